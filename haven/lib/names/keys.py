"""Keys for the blind index: every rendering of a name token shares at least one key.

The index stores an HMAC of each key (truncated, so it over-matches on purpose); candidates
are decrypted and confirmed with :func:`match.match_names`. Keys are deliberately coarse:

- ``s:<skeleton>`` -- the coarse phonetic skeleton (see :mod:`translit`), which every scheme,
  script, case ending and the feminine/masculine surname forms reduce to;
- ``g:<group>`` -- the given-name group, so that a diminutive (Саша) or a sound variant
  (Ibrahim) finds the full name (Александр, Ибрагим).
"""

from __future__ import annotations

from .morph import name_lemmas, surname_base
from .parse import analyse_token, split_tokens
from .translit import plain_latin, skeletons

# The coarse skeleton already absorbs vowels; keys shorter than this would match a large part
# of the registry and make the index useless.
_MIN_SKELETON = 1


def token_keys(token: str) -> set[str]:
    """Index keys of one name token (a handful at most)."""
    analysed = analyse_token(token)
    keys = {f"s:{skel}" for skel in analysed.skeletons if len(skel) >= _MIN_SKELETON}
    for lemma in name_lemmas(token):
        base = surname_base(plain_latin(lemma)) or lemma
        keys |= {f"s:{skel}" for skel in skeletons(base)}
    keys |= {f"g:{name.group}" for name in analysed.any_given}
    return keys


def name_keys(full_name: str) -> set[str]:
    """Union of :func:`token_keys` over every part of a full name, so that the family name or
    the given name alone finds the person."""
    keys: set[str] = set()
    for token in split_tokens(full_name):
        keys |= token_keys(token)
    return keys

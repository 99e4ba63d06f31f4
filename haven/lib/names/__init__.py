"""Russian/Chechen name normalisation and matching across scripts and spellings.

Public interface:
- :func:`name_keys` / :func:`token_keys` -- blind-index keys;
- :func:`match_names` -> :class:`MatchResult` (``.score``, ``.same``);
- :func:`run_match` -- the TSV line matcher behind ``haven names match``;
- :func:`transliterate` -- render Cyrillic through an iuliia scheme or German/French/Polish;
- :func:`word_keys`, :func:`same_name_part`, :func:`name_forms` -- the same model for running
  text, used by the redaction engine (``haven.lib.redact``).
"""

from .cli import run_match
from .forms import name_forms, same_name_part, word_keys
from .keys import name_keys, token_keys
from .match import MatchResult, match_names
from .translit import RENDERERS, transliterate

__all__ = [
    "RENDERERS",
    "MatchResult",
    "match_names",
    "name_forms",
    "name_keys",
    "run_match",
    "same_name_part",
    "token_keys",
    "transliterate",
    "word_keys",
]

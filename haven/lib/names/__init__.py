"""Russian/Chechen name normalisation and matching across scripts and spellings.

Public interface:
- :func:`name_keys` / :func:`token_keys` -- blind-index keys;
- :func:`match_names` -> :class:`MatchResult` (``.score``, ``.same``);
- :func:`run_match` -- the TSV line matcher behind ``haven names match``;
- :func:`transliterate` -- render Cyrillic through an iuliia scheme or German/French/Polish.
"""

from .cli import run_match
from .keys import name_keys, token_keys
from .match import MatchResult, match_names
from .translit import RENDERERS, transliterate

__all__ = [
    "RENDERERS",
    "MatchResult",
    "match_names",
    "name_keys",
    "run_match",
    "token_keys",
    "transliterate",
]

"""Codenames: 7 random words from a word list in the person's language (>= 90 bits).

A codename is the only key a person at risk holds: it is shown once, never stored in their
browser, and typed again on a cheap phone. So normalisation forgives what people type (case,
spaces, hyphens, ё/е, Latin look-alike letters on a Russian keyboard), and validation can point
at the one word that is wrong without anyone logging what was typed.
"""

from __future__ import annotations

import math
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

LANGUAGES = ("ru", "en")
WORDS = 7
_DIR = Path(__file__).resolve().parent / "wordlists"
# Latin letters that look like Cyrillic ones, as a phone keyboard in the wrong layout types them.
_LOOKALIKE = str.maketrans("aeopcxykmtbh", "аеорсхукмтвн")
_SEPARATORS = re.compile(r"[\s\-_.,;:/|+]+")


@cache
def load_wordlist(lang: str) -> tuple[str, ...]:
    if lang not in LANGUAGES:
        raise ValueError(f"no word list for {lang!r}")
    return tuple(w for w in (_DIR / f"{lang}.txt").read_text(encoding="utf-8").split() if w)


@cache
def _index(lang: str) -> frozenset[str]:
    return frozenset(load_wordlist(lang))


@cache
def never_drawn() -> frozenset[str]:
    """Words accepted in a codename already issued but never drawn for a new one."""
    text = (_DIR / "never_drawn.txt").read_text(encoding="utf-8")
    return frozenset(
        w for line in text.splitlines() if not line.startswith("#") for w in line.split()
    )


@cache
def drawable(lang: str) -> tuple[str, ...]:
    return tuple(w for w in load_wordlist(lang) if w not in never_drawn())


def codename_entropy_bits(lang: str, words: int = WORDS) -> float:
    return words * math.log2(len(drawable(lang)))


def generate_codename(lang: str, *, words: int = WORDS) -> str:
    if codename_entropy_bits(lang, words) < 90:
        raise ValueError("a codename needs at least 90 bits")
    wordlist = drawable(lang)
    return " ".join(secrets.choice(wordlist) for _ in range(words))


def _detect(tokens: list[str]) -> str:
    cyrillic = sum(1 for t in tokens for c in t if "а" <= c <= "я")
    latin = sum(1 for t in tokens for c in t if "a" <= c <= "z")
    if cyrillic >= latin:
        return "ru"
    # Latin text that is entirely look-alike letters may still be a Russian codename.
    ru_hits = sum(1 for t in tokens if t.translate(_LOOKALIKE) in _index("ru"))
    en_hits = sum(1 for t in tokens if t in _index("en"))
    return "ru" if ru_hits > en_hits else "en"


def _tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower().replace("ё", "е")
    return [t for t in _SEPARATORS.split(text) if t]


def normalise_codename(text: str) -> str:
    """The canonical form of what a person typed: lower case, single spaces, ё as е, and for a
    Russian codename Latin look-alike letters turned into Cyrillic."""
    tokens = _tokens(text)
    if not tokens:
        return ""
    if _detect(tokens) == "ru":
        tokens = [t.translate(_LOOKALIKE) for t in tokens]
    return " ".join(tokens)


@dataclass(frozen=True)
class CodenameCheck:
    codename: str
    language: str
    ok: bool
    wrong_count: bool = False
    unknown: list[tuple[int, str | None]] = field(
        default_factory=list
    )  # (1-based position, suggestion)


def validate_codename(text: str) -> CodenameCheck:
    """Does this look like one of our codenames? Says which words are not in the list and the
    nearest list word, so the portal can help a person who mistyped one word."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    normal = normalise_codename(text)
    tokens = normal.split()
    lang = _detect(tokens) if tokens else "ru"
    unknown: list[tuple[int, str | None]] = []
    words = _index(lang)
    for i, token in enumerate(tokens, start=1):
        if token not in words:
            best = process.extractOne(
                token, load_wordlist(lang), scorer=Levenshtein.distance, score_cutoff=2
            )
            unknown.append((i, best[0] if best else None))
    wrong_count = len(tokens) != WORDS
    return CodenameCheck(
        normal, lang, ok=not unknown and not wrong_count, wrong_count=wrong_count, unknown=unknown
    )

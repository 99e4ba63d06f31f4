"""Splitting a full name into analysed tokens: given names, surnames and patronymics."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .diminutives import GivenName, lookup_given_name
from .morph import (
    given_name_readings,
    patronymic,
    surname_base,
    surname_gender,
    surname_stem,
)
from .translit import fine_skeletons, plain_latin, skeletons

_SPLIT_RE = re.compile(r"[\s,;/()\[\]]+")
# A token must hold at least one letter of some script; digits and punctuation are noise.
_LETTER_RE = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Token:
    raw: str
    latin: str
    skeletons: tuple[str, ...]  # coarse skeletons, incl. the nominative of an oblique surname
    fine: tuple[str, ...]  # vowel-keeping skeletons of the token and of its surname stem
    given: frozenset[GivenName]  # the token is itself a known given name (or its variant)
    oblique_given: frozenset[GivenName]  # ... or an inflected form of one (Салеха)
    surname_gender: str | None

    @property
    def any_given(self) -> frozenset[GivenName]:
        return self.given or self.oblique_given


@dataclass(frozen=True)
class Patronymic:
    raw: str
    stem_skeletons: tuple[str, ...]  # vowel-keeping skeletons of the father's name stem
    gender: str
    father: frozenset[GivenName]  # the father's given name, when it is a known one


def _father_names(stem: str) -> frozenset[GivenName]:
    # Хамзатович -> Хамзат, Андреевич -> Андрей, Мусаевич -> Муса, Ильич -> Илья.
    found: set[GivenName] = set()
    for candidate in (stem, stem + "y", stem + "iy", stem + "a", stem + "ya"):
        found |= lookup_given_name(candidate)
    return frozenset(found)


@dataclass(frozen=True)
class ParsedName:
    tokens: tuple[Token, ...]
    patronymics: tuple[Patronymic, ...]

    @property
    def gender(self) -> str | None:
        """Gender from given names and patronymics only; None when unknown or mixed."""
        genders = {p.gender for p in self.patronymics}
        for token in self.tokens:
            names = token.given or token.oblique_given
            token_genders = {n.gender for n in names}
            if len(token_genders) == 1:
                genders |= token_genders
        return genders.pop() if len(genders) == 1 else None

    @property
    def has_oblique_given(self) -> bool:
        return any(not t.given and t.oblique_given for t in self.tokens)


def split_tokens(full_name: str) -> list[str]:
    return [t.strip("-.'") for t in _SPLIT_RE.split(full_name) if _LETTER_RE.search(t)]


@lru_cache(maxsize=65536)
def analyse_token(raw: str) -> Token:
    latin = plain_latin(raw)
    skels = list(skeletons(raw))
    base = surname_base(latin)
    if base:
        for skel in skeletons(base):
            if skel not in skels:
                skels.append(skel)
    given, oblique = given_name_readings(raw)
    fine = list(fine_skeletons(raw))
    stem = surname_stem(latin)
    if stem != latin:
        fine.extend(f for f in fine_skeletons(stem) if f not in fine)
    return Token(
        raw=raw,
        latin=latin,
        skeletons=tuple(skels),
        fine=tuple(fine),
        given=given,
        oblique_given=oblique,
        surname_gender=None if given else surname_gender(latin),
    )


@lru_cache(maxsize=65536)
def parse_name(full_name: str) -> ParsedName:
    raws = split_tokens(full_name)
    tokens: list[Token] = []
    patronymics: list[Patronymic] = []
    for index, raw in enumerate(raws):
        latin = plain_latin(raw)
        # A patronymic never opens a name ("Петрович Иван" is a surname first), and a bare
        # -ич ending only counts when three or more parts leave room for a surname.
        found = None
        if index > 0 and not lookup_given_name(raw):
            found = patronymic(latin, allow_short=len(raws) >= 3)
        if found:
            stem, gender = found
            patronymics.append(Patronymic(raw, fine_skeletons(stem), gender, _father_names(stem)))
        else:
            tokens.append(analyse_token(raw))
    return ParsedName(tuple(tokens), tuple(patronymics))

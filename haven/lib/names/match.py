"""Deciding whether two name strings denote the same person.

The missing-persons registry compares a reported name with registered ones. Tokens are aligned
regardless of order; a patronymic counts only when both sides have one. A pair of given names
agrees when their name groups meet (Саша = Александр, Ibrahim = Ибрагим); otherwise tokens are
compared as coarse phonetic skeletons with a small edit allowance for typos. Two different known
given names next to the same surname are relatives, never the same person, and a surname in the
other gender's form is accepted only when the rest of the name explains it (a masculine given
name makes "Исаева" the genitive of Исаев).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import permutations

from rapidfuzz.distance import OSA

from .parse import ParsedName, Patronymic, Token, parse_name

SAME_THRESHOLD = 0.8
# Ambiguity cost of an extra name part on one side only (a middle name, a second surname).
_LEFTOVER_PENALTY = 0.93


@dataclass(frozen=True)
class MatchResult:
    score: float
    same: bool
    reason: str = ""


def _allowed_edits(length: int) -> int:
    # Renderings of one token through any scheme differ by at most one edit in the
    # vowel-keeping skeleton (measured over all tables x schemes); long names get room for a
    # typo on top.
    if length <= 2:
        return 0
    if length <= 13:
        return 1
    return 2


@lru_cache(maxsize=262144)
def _skeleton_fit(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[float, bool]:
    """Best similarity between two skeleton sets, and whether it is within typo distance."""
    best = 0.0
    within = False
    for sa in a:
        for sb in b:
            longest = max(len(sa), len(sb)) or 1
            distance = OSA.distance(sa, sb, score_cutoff=3)
            best = max(best, 1.0 - distance / longest)
            within = within or distance <= _allowed_edits(longest)
    return best, within


@dataclass(frozen=True)
class _Pair:
    score: float
    ok: bool
    conflict: bool  # two known, different given names
    given: bool


def _compare(a: Token, b: Token) -> _Pair:
    ga, gb = a.any_given, b.any_given
    if ga and gb and ga & gb:
        return _Pair(1.0, True, False, True)
    score, ok = _skeleton_fit(a.fine, b.fine)
    # The skeleton score still drives alignment, so Ислам lines up with Аслан (and is then
    # vetoed) instead of with the surname.
    if a.given and b.given:
        return _Pair(score, False, True, True)
    # A known name against an inflected form of a different known name is still a conflict.
    if ga and gb and not ok:
        return _Pair(score, False, True, True)
    return _Pair(score, ok, False, bool(ga or gb))


def _align(a: tuple[Token, ...], b: tuple[Token, ...]) -> list[tuple[int, int, _Pair]]:
    swap = len(a) > len(b)
    small, large = (b, a) if swap else (a, b)
    table = [[_compare(s, t) for t in large] for s in small]
    best: list[tuple[int, int, _Pair]] = []
    best_total = -1.0
    if len(large) > 6:  # pathological input: greedy is enough
        chosen = _greedy(table)
        candidates = [chosen]
    else:
        candidates = list(permutations(range(len(large)), len(small)))
    for perm in candidates:
        total = sum(table[i][j].score for i, j in enumerate(perm))
        if total > best_total:
            best_total = total
            best = [(i, j, table[i][j]) for i, j in enumerate(perm)]
    if swap:
        best = [(j, i, pair) for i, j, pair in best]
    return best


def _greedy(table: list[list[_Pair]]) -> tuple[int, ...]:
    used: set[int] = set()
    chosen = []
    for row in table:
        j = max((j for j in range(len(row)) if j not in used), key=lambda j: row[j].score)
        used.add(j)
        chosen.append(j)
    return tuple(chosen)


def _patronymics_agree(a: tuple[Patronymic, ...], b: tuple[Patronymic, ...]) -> bool | None:
    if not a or not b:
        return None
    if a[0].father and b[0].father:
        return bool(a[0].father & b[0].father)
    return _skeleton_fit(a[0].stem_skeletons, b[0].stem_skeletons)[1]


def _explains_feminine_form(name: ParsedName) -> bool:
    """A feminine-looking surname is the masculine genitive when the given name is male or
    itself inflected ("Магамадова Салеха" is Салех Магамадов)."""
    return name.gender == "M" or name.has_oblique_given


def _surname_forms_conflict(a: ParsedName, b: ParsedName, ta: Token, tb: Token) -> bool:
    forms = (ta.surname_gender, tb.surname_gender)
    if None in forms or forms[0] == forms[1]:
        return False
    feminine_side = a if forms[0] == "F" else b
    return not _explains_feminine_form(feminine_side)


def _leftovers_fit(tokens: tuple[Token, ...], used: set[int], other: ParsedName) -> float:
    """Penalty for unaligned parts; a bare father's name (a Chechen habit) may stand for the
    other side's patronymic."""
    factor = 1.0
    for index, token in enumerate(tokens):
        if index in used:
            continue
        if other.patronymics and _skeleton_fit(token.fine, other.patronymics[0].stem_skeletons)[1]:
            continue
        factor *= _LEFTOVER_PENALTY
    return factor


def _match(a: ParsedName, b: ParsedName) -> MatchResult:
    if not a.tokens or not b.tokens:
        return MatchResult(0.0, False, "empty")
    pairs = _align(a.tokens, b.tokens)
    score = sum(p.score for _, _, p in pairs) / len(pairs)
    score *= _leftovers_fit(a.tokens, {i for i, _, _ in pairs}, b)
    score *= _leftovers_fit(b.tokens, {j for _, j, _ in pairs}, a)
    reason = ""
    if any(p.conflict for _, _, p in pairs):
        reason = "different given names"
    elif a.gender and b.gender and a.gender != b.gender:
        reason = "genders differ"
    elif any(
        _surname_forms_conflict(a, b, a.tokens[i], b.tokens[j]) for i, j, p in pairs if not p.given
    ):
        reason = "surname in the other gender's form"
    elif _patronymics_agree(a.patronymics, b.patronymics) is False:
        reason = "different patronymics"
    elif not all(p.ok for _, _, p in pairs):
        reason = "a name part differs"
    elif len(pairs) < 2:
        reason = "too little to compare"
    if reason:
        # Keep the evidence visible but always below any accepted match.
        return MatchResult(round(min(score * 0.5, SAME_THRESHOLD - 0.01), 4), False, reason)
    return MatchResult(
        round(score, 4), score >= SAME_THRESHOLD, "" if score >= SAME_THRESHOLD else "weak"
    )


def match_names(a: str, b: str) -> MatchResult:
    """Compare two full names in any script, order, case form or transliteration scheme."""
    return _match(parse_name(a), parse_name(b))


def same_token(a: str, b: str) -> bool:
    """Whether two single name words agree the way :func:`match_names` aligns them: one
    given-name group, or skeletons within typo distance without two different known names."""
    from .parse import analyse_token

    return _compare(analyse_token(a), analyse_token(b)).ok

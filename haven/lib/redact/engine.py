"""Propose redactions for a testimony: find, arbitrate, number, replace.

Every finder proposes `Candidate`s with a priority; overlapping proposals are settled by priority
(then length), and some proposals are *keeps* — a public figure or a city — that win their ground
without being redacted. When in doubt the engine redacts: a name left in costs far more than a
word taken out, and a person reviews every proposal before anything leaves.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from . import patterns
from .forms import base_keys, is_cyrillic, same_person_token, skeleton
from .gazetteer import (
    ENGLISH_STOPWORDS,
    PERSON_CUES,
    SURNAME_SUFFIXES_LAT,
    given_name_keys,
    place_level,
)
from .model import KnownPerson, RedactionResult, RedactionSpan

LANGS = ("ru", "en", "auto")

# Higher wins an overlap. Machine-shaped identifiers beat names because "@salekh_95" or
# "saleh.musaev@mail.ru" must go whole; a full public-figure name beats a linked person's first
# name ("Рамзан Кадыров" when the victim is also Рамзан), a lone word does not.
# A phone beats a document cue ("с номера +7 928 …" is a phone, not a document number).
_P_EMAIL, _P_HANDLE, _P_PHONE, _P_DOCUMENT, _P_DOB, _P_ADDRESS = 100, 95, 92, 90, 80, 75
_P_PUBLIC_FULL, _P_KNOWN, _P_PUBLIC_ONE, _P_FOUND, _P_PLACE_KEEP, _P_PLACE = 70, 60, 50, 45, 40, 30

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_SURNAME_RU = re.compile(
    r"(?:ов|ев|ёв|ин|ын|аев|иев)(?:а|у|ым|ом|е|ой|ых|ыми|ы)?$|(?:ович|евич|овна|евна)\w{0,3}$"
)


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    category: str
    key: str
    reason: str
    priority: int
    keep: bool = False


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str
    cap: bool
    sentence_start: bool


def detect_language(text: str) -> str:
    """ "ru" when Cyrillic letters are at least as many as Latin ones, else "en"."""
    cyr = sum(1 for ch in text if "\u0400" <= ch <= "\u04ff")
    lat = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return "ru" if cyr and cyr >= lat else "en"


def resolve_language(text: str, lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    return detect_language(text) if lang == "auto" else lang


def _tokenize(text: str) -> list[_Token]:
    out = []
    for m in _WORD.finditer(text):
        before = text[: m.start()].rstrip(" \t\"'«“(—–-")
        sentence_start = not before or before[-1] in ".!?\n:;"
        word = m.group()
        out.append(_Token(m.start(), m.end(), word, word[:1].isupper(), sentence_start))
    return out


def _name_parts(name: str) -> list[str]:
    return [p for p in re.split(r"[\s\-]+", name.strip()) if p]


@functools.lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@functools.lru_cache(maxsize=32768)
def _is_common_word(word: str) -> bool:
    """A dictionary word that is not read as a name first (Мама, Брат, Police)."""
    if not is_cyrillic(word):
        return word.lower() in ENGLISH_STOPWORDS
    parses = _morph().parse(word.lower())
    if not parses or not _morph().word_is_known(word.lower()):
        return False
    top = parses[0].tag.grammemes
    return not ({"Name", "Surn", "Patr"} & top)


_FUNCTION_POS = frozenset({"NPRO", "PREP", "CONJ", "PRCL", "INTJ", "PRED", "ADVB"})
_VERB_POS = frozenset({"VERB", "INFN", "GRND", "PRTS"})


@functools.lru_cache(maxsize=32768)
def _is_function_word(word: str) -> bool:
    """A pronoun or particle; unlike _is_common_word this spares names that are also nouns or
    verbs (Ислам, Лечи, Беслан)."""
    if not is_cyrillic(word):
        return word.lower() in ENGLISH_STOPWORDS
    parses = _morph().parse(word.lower())
    if not parses:
        return False
    pos = parses[0].tag.POS
    if pos in _VERB_POS:
        # natasha can pull in a sentence's verb ("Рассказывает Хадижат"); a verb form that is
        # also a given name (Лечи) stays a name.
        return not (base_keys(word) & given_name_keys())
    return pos in _FUNCTION_POS


@functools.lru_cache(maxsize=32768)
def _looks_like_name(word: str) -> str | None:
    """Why a capitalised word looks like a personal name, or None."""
    if len(word) < 3:
        return None
    if is_cyrillic(word):
        parses = _morph().parse(word.lower())
        top = parses[0] if parses else None
        if top is not None and {"Name", "Surn", "Patr"} & top.tag.grammemes and top.score >= 0.3:
            return "pymorphy reads it as a name"
        if base_keys(word) & given_name_keys() and not _is_common_word(word):
            return "given-name dictionary"
        if _SURNAME_RU.search(word.lower()) and len(word) >= 5 and not _is_common_word(word):
            return "surname ending"
        return None
    if word.lower() in ENGLISH_STOPWORDS:
        return None
    if base_keys(word) & given_name_keys():
        return "given-name dictionary (Latin renderings)"
    low = word.lower().removesuffix("'s").removesuffix("’s")
    if len(low) >= 5 and low.endswith(SURNAME_SUFFIXES_LAT):
        return "surname ending"
    return None


def _gap_joins(text: str, a: _Token, b: _Token) -> bool:
    gap = text[a.end : b.start]
    return gap.strip(" \t-") == "" and "\n" not in gap and len(gap) <= 3


class _PersonIndex:
    """Clusters name mentions into people so each gets one placeholder number."""

    def __init__(self) -> None:
        self.keys: list[set[str]] = []

    def key_for(self, words: list[str]) -> str:
        run_keys = [base_keys(w) for w in words]
        for i, ent in enumerate(self.keys):
            if any(k & ent for k in run_keys):
                for k in run_keys:
                    ent |= k
                return f"found:{i}"
        self.keys.append(set().union(*run_keys) if run_keys else set())
        return f"found:{len(self.keys) - 1}"


def _public_figure_of(words: list[str], figures: list[list[str]]) -> int | None:
    for i, parts in enumerate(figures):
        if len(words) == 1 and len(parts) > 1:
            # A lone given name ("Апти") is as likely a private person as the official; only the
            # surname alone ("Алаудинова") is taken to mean the public figure.
            if same_person_token(words[0], parts[-1]):
                return i
            continue
        if all(any(same_person_token(w, p) for p in parts) for w in words):
            return i
    return None


@dataclass(frozen=True)
class _KnownHit:
    person: int
    surname_only: bool  # matched only the last word of the person's names


def _known_of(word: str, known_parts: list[tuple[int, str, bool]], cap: bool) -> _KnownHit | None:
    if len(word) < 2 or (not cap and _is_common_word(word)):
        return None
    hits: dict[int, bool] = {}
    for idx, part, is_last in known_parts:
        if word.lower() == part.lower() or same_person_token(word, part):
            hits[idx] = hits.get(idx, True) and is_last
    if not hits:
        return None
    # Prefer a person whose given name matched over one who only shares the surname.
    idx = min(hits, key=lambda i: (hits[i], i))
    return _KnownHit(idx, hits[idx])


def _place_mask(tokens: list[_Token], text: str) -> dict[int, str]:
    mask: dict[int, str] = {}
    i = 0
    while i < len(tokens):
        window = [tokens[i].text]
        j = i + 1
        while j < len(tokens) and j < i + 4 and _gap_joins(text, tokens[j - 1], tokens[j]):
            window.append(tokens[j].text)
            j += 1
        hit = place_level(window) if tokens[i].cap else None
        if hit:
            for k in range(i, i + hit[0]):
                mask[k] = hit[1]
            i += hit[0]
        else:
            i += 1
    return mask


def _person_candidates(
    text: str,
    tokens: list[_Token],
    lang: str,
    known: Sequence[KnownPerson],
    figures: list[list[str]],
    places: dict[int, str],
) -> list[Candidate]:
    known_parts = []
    for i, kp in enumerate(known):
        for n in kp.names:
            parts = _name_parts(n)
            known_parts += [
                (i, p, j == len(parts) - 1 and len(parts) > 1) for j, p in enumerate(parts)
            ]
        known_parts += [(i, p, False) for n in kp.aliases for p in _name_parts(n)]
    known_at = {i: _known_of(t.text, known_parts, t.cap) for i, t in enumerate(tokens)}
    found: dict[int, str] = {}
    if lang == "ru":
        from .ner import russian_entities

        for ent in russian_entities(text):
            if ent.kind != "PER":
                continue
            for i, t in enumerate(tokens):
                # natasha sometimes pulls a neighbouring pronoun ("Я Ибрагим") into the span.
                inside = t.start >= ent.start and t.end <= ent.end
                if inside and i not in places and not _is_function_word(t.text):
                    found[i] = "natasha named-entity recogniser"
    for i, t in enumerate(tokens):
        if i in found or i in places or not t.cap:
            continue
        after_cue = (
            i > 0 and tokens[i - 1].text.lower() in PERSON_CUES and not _is_common_word(t.text)
        )
        if after_cue:
            found[i] = "word after a kinship or naming cue"
            continue
        if lang == "ru" and not is_cyrillic(t.text) or lang == "en" or is_cyrillic(t.text):
            reason = _looks_like_name(t.text)
            if reason and not (t.sentence_start and _is_common_word(t.text)):
                found[i] = reason
    # A capitalised word next to a found name is most often the rest of that name (an unusual
    # surname the lists do not know); and a later bare mention of a found name is the same name.
    found_keys = set().union(*(base_keys(tokens[i].text) for i in found)) if found else set()
    for i, t in enumerate(tokens):
        if i in found or i in places or not t.cap or _is_common_word(t.text):
            continue
        neighbour = (i > 0 and i - 1 in found and _gap_joins(text, tokens[i - 1], t)) or (
            i + 1 < len(tokens) and i + 1 in found and _gap_joins(text, t, tokens[i + 1])
        )
        if neighbour and not t.sentence_start:
            found[i] = "capitalised word next to a name"
        elif base_keys(t.text) & found_keys:
            found[i] = "same name as a mention found elsewhere"

    # "Kievsky station", "Sheripova Street": a word naming a facility or street is no person.
    for i in list(found):
        nxt = tokens[i + 1].text.lower() if i + 1 < len(tokens) else ""
        if nxt in _FACILITY_WORDS and _gap_joins(text, tokens[i], tokens[i + 1]):
            del found[i]
    flagged = sorted(set(found) | {i for i, k in known_at.items() if k is not None})
    runs: list[list[int]] = []
    for i in flagged:
        if runs and runs[-1][-1] == i - 1 and _gap_joins(text, tokens[i - 1], tokens[i]):
            runs[-1].append(i)
        else:
            runs.append([i])

    people = _PersonIndex()
    out: list[Candidate] = []
    for run in runs:
        words = [tokens[i].text for i in run]
        start, end = tokens[run[0]].start, tokens[run[-1]].end
        if re.search(r"['’]s$", words[-1]) and not is_cyrillic(words[-1]):
            end -= 2  # "[PERSON 1]'s husband" reads better and hides nothing more
        knowns = [h for i in run if (h := known_at[i]) is not None]
        figure = _public_figure_of(words, figures)
        if figure is not None and (len(run) > 1 or not knowns):
            prio = _P_PUBLIC_FULL if len(run) > 1 else _P_PUBLIC_ONE
            out.append(
                Candidate(
                    start, end, "PUBLIC", f"public:{figure}", "public figure", prio, keep=True
                )
            )
            continue
        # "Ислам Мусаев" next to a linked "Салех Мусаев" is a relative: another person who gets
        # their own number (and is redacted all the same).
        relative = bool(knowns) and all(h.surname_only for h in knowns) and len(knowns) < len(run)
        if knowns and not relative:
            idx = knowns[0].person
            why = (
                f"linked person {idx + 1}: {(known[idx].names or known[idx].aliases or ('?',))[0]}"
            )
            out.append(Candidate(start, end, "PERSON", f"known:{idx}", why, _P_KNOWN))
        else:
            reasons = sorted({found.get(i, "shares a surname with a linked person") for i in run})
            # A relative's full name must beat the bare-surname exact match inside it.
            prio = _P_KNOWN + 1 if relative else _P_FOUND
            out.append(
                Candidate(start, end, "PERSON", people.key_for(words), "; ".join(reasons), prio)
            )
    return out


def _literal_known(text: str, known: Sequence[KnownPerson]) -> list[Candidate]:
    """Every exact spelling a caseworker typed in, as a whole word, whatever the finders saw."""
    out = []
    for idx, kp in enumerate(known):
        spellings = {s for n in (*kp.names, *kp.aliases) for s in [n.strip(), *_name_parts(n)]}
        for s in sorted(spellings):
            if len(s) < 2:
                continue
            rx = re.compile(r"(?<![^\W\d_])" + re.escape(s) + r"(?![^\W\d_])", re.IGNORECASE)
            for m in rx.finditer(text):
                out.append(
                    Candidate(
                        m.start(),
                        m.end(),
                        "PERSON",
                        f"known:{idx}",
                        "exact spelling of a linked person",
                        _P_KNOWN,
                    )
                )
        for phone in kp.phones:
            for f in patterns.phones_like(text, phone):
                out.append(Candidate(f.start, f.end, "PHONE", f.key, f.reason, _P_PHONE + 1))
        for literal, cat, prio in [(e, "EMAIL", _P_EMAIL) for e in kp.emails] + [
            (h, "HANDLE", _P_HANDLE) for h in kp.handles
        ]:
            bare = literal.strip().lstrip("@")
            if len(bare) < 3:
                continue
            for m in re.finditer(re.escape(bare), text, re.IGNORECASE):
                at = m.start() - 1 if m.start() > 0 and text[m.start() - 1] == "@" else m.start()
                out.append(
                    Candidate(
                        at,
                        m.end(),
                        cat,
                        bare.lower(),
                        f"known {cat.lower()} of a linked person",
                        prio,
                    )
                )
    return out


def _pattern_candidates(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    table = (
        (patterns.find_emails, "EMAIL", _P_EMAIL),
        (patterns.find_handles, "HANDLE", _P_HANDLE),
        (patterns.find_documents, "DOCUMENT", _P_DOCUMENT),
        (patterns.find_phones, "PHONE", _P_PHONE),
        (patterns.find_dates_of_birth, "DATE OF BIRTH", _P_DOB),
        (patterns.find_addresses, "ADDRESS", _P_ADDRESS),
    )
    for finder, category, prio in table:
        for f in finder(text):
            out.append(Candidate(f.start, f.end, category, f.key, f.reason, prio))
    return out


_FACILITY_WORDS = frozenset(
    """station airport street avenue prospekt prospect square lane road boulevard embankment
    district village settlement bridge market mosque university hospital вокзал вокзале вокзала
    аэропорт аэропорту аэропорта""".split()
)
_PREPOSITION_EN = frozenset({"in", "to", "from", "near", "at", "outside", "towards"})


def _place_candidates(
    text: str, tokens: list[_Token], lang: str, places: dict[int, str], redact_places: bool
) -> list[Candidate]:
    out: list[Candidate] = []
    for i, level in places.items():
        t = tokens[i]
        if level == "city" and redact_places:
            out.append(
                Candidate(
                    t.start,
                    t.end,
                    "PLACE",
                    skeleton(t.text),
                    "town or city (redact_places)",
                    _P_PLACE + 5,
                )
            )
        else:
            out.append(
                Candidate(
                    t.start, t.end, "KEEP", "", "place above town level", _P_PLACE_KEEP, keep=True
                )
            )
    spans: list[tuple[int, int, str]] = [
        (f.start, f.end, f.reason) for f in patterns.find_small_places(text)
    ]
    if lang == "ru":
        from .ner import russian_entities

        spans += [
            (e.start, e.end, "natasha location not known as a town or larger")
            for e in russian_entities(text)
            if e.kind == "LOC"
        ]
    else:
        for i, t in enumerate(tokens[1:], start=1):
            prev = tokens[i - 1]
            if (
                prev.text.lower() in _PREPOSITION_EN
                and t.cap
                and i not in places
                and not _is_common_word(t.text)
                and _looks_like_name(t.text) is None
                and _gap_joins(text, prev, t)
            ):
                spans.append((t.start, t.end, "unknown place after a preposition"))
    for start, end, reason in spans:
        idx = [i for i, t in enumerate(tokens) if t.start >= start and t.end <= end]
        if not idx or all(i in places for i in idx):
            continue  # a known town or larger: the keep above already covers it
        key = "|".join(sorted(base_keys(tokens[idx[-1]].text))[:1]) or text[start:end].lower()
        out.append(Candidate(start, end, "PLACE", key, reason, _P_PLACE))
    return out


def _choose(cands: list[Candidate]) -> list[Candidate]:
    taken: list[Candidate] = []
    for c in sorted(cands, key=lambda c: (-c.priority, -(c.end - c.start), c.start)):
        if c.end <= c.start:
            continue
        if any(c.start < t.end and t.start < c.end for t in taken):
            continue
        taken.append(c)
    return sorted((c for c in taken if not c.keep), key=lambda c: c.start)


def _merge_adjacent(text: str, chosen: list[Candidate]) -> list[Candidate]:
    merged: list[Candidate] = []
    for c in chosen:
        if merged:
            last = merged[-1]
            gap = text[last.end : c.start]
            if (
                last.category == c.category
                and last.key == c.key
                and gap.strip(" \t-") == ""
                and "\n" not in gap
            ):
                merged[-1] = Candidate(
                    last.start, c.end, c.category, c.key, last.reason, last.priority
                )
                continue
        merged.append(c)
    return merged


def redact(
    text: str,
    *,
    lang: str = "auto",
    known: Sequence[KnownPerson] = (),
    public_figures: Sequence[str] = (),
    redact_places: bool = False,
) -> RedactionResult:
    """Propose redactions for `text`; see the package docstring for what is removed and kept."""
    lang = resolve_language(text, lang)
    tokens = _tokenize(text)
    figures = [_name_parts(f) for f in public_figures if _name_parts(f)]
    places = _place_mask(tokens, text)
    cands = _pattern_candidates(text)
    cands += _literal_known(text, known)
    cands += _person_candidates(text, tokens, lang, known, figures, places)
    cands += _place_candidates(text, tokens, lang, places, redact_places)
    chosen = _merge_adjacent(text, _choose(cands))

    numbers: dict[tuple[str, str], int] = {}
    per_category: dict[str, int] = {}
    spans: list[RedactionSpan] = []
    pieces: list[str] = []
    pos = 0
    for c in chosen:
        ident = (c.category, c.key)
        if ident not in numbers:
            per_category[c.category] = per_category.get(c.category, 0) + 1
            numbers[ident] = per_category[c.category]
        placeholder = f"[{c.category} {numbers[ident]}]"
        spans.append(
            RedactionSpan(c.start, c.end, text[c.start : c.end], c.category, placeholder, c.reason)
        )
        pieces.append(text[pos : c.start])
        pieces.append(placeholder)
        pos = c.end
    pieces.append(text[pos:])
    return RedactionResult("".join(pieces), tuple(spans), lang)

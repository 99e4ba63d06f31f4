"""The name model for running text: what the redaction engine (``haven.lib.redact``) needs to
find one person's name in a testimony, built from the same skeletons, name tables and
morphology that :func:`match.match_names` uses, so that the registry and the redactor never
disagree about who a word can be.

- :func:`word_keys` -- comparison keys of every nominative a word may be a case form of;
- :func:`same_name_part` -- whether two single words can be the same part of one name;
- :func:`name_forms` -- concrete spellings of a name (case forms x transliteration schemes).

Keys are vowel-keeping skeletons (:func:`translit.fine_skeletons`) plus ``g:<group>`` for a
known given name, so Jelena/Елена, Yusuf/Юсуп, Chamil/Шамиль and Khyava/Хава share a key.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .diminutives import is_affectionate_skeleton
from .match import same_token
from .morph import analyzer, given_name_readings, nominative_candidates
from .translit import RENDERERS, fine_skeletons, has_cyrillic

# Keys shorter than this (a two-letter stem) would tie unrelated words together.
_MIN_KEY = 3


@lru_cache(maxsize=65536)
def word_keys(word: str) -> frozenset[str]:
    """Keys of a word: the fine skeletons of every nominative it may be a case form of, and
    the given-name groups it is or inflects. Two words share a key when they can be one name."""
    keys: set[str] = set()
    for nominative in nominative_candidates(word):
        keys.update(fine_skeletons(nominative))
    given, oblique = given_name_readings(word.strip("-'’"))
    keys.update(f"g:{name.group}" for name in given | oblique)
    return frozenset(k for k in keys if len(k) >= _MIN_KEY)


def _skeleton_keys(word: str) -> frozenset[str]:
    return frozenset(k for k in word_keys(word) if not k.startswith("g:"))


def is_affectionate_form(short: str, full: str) -> bool:
    """Whether ``short`` is an affectionate form of ``full`` by suffix (Лейлочка of Лейла,
    Салик of Салех); listed diminutives (Саша, Мага) go through the name groups instead."""
    fulls = _skeleton_keys(full)
    return any(is_affectionate_skeleton(s, f) for s in _skeleton_keys(short) for f in fulls)


def same_name_part(a: str, b: str, *, loose: bool = False) -> bool:
    """Whether two single words can be the same part of one person's name, in any script,
    case form, transliteration or listed diminutive (a shared key).

    ``loose`` adds affectionate suffixes (Лейлочка, Салик) and the matcher's typo allowance
    (one edit in the skeleton): right for finding a linked person, whose name left in is the
    costly mistake; wrong for keeping a public figure, where it would spare a private person
    with a similar surname."""
    if word_keys(a) & word_keys(b):
        return True
    if not loose:
        return False
    return is_affectionate_form(a, b) or is_affectionate_form(b, a) or same_token(a, b)


# Schemes people actually meet: passports (ICAO, MVD), Wikipedia/press (WIKIPEDIA, BGN/PCGN),
# banking/telegram habits, and the scholarly ones that turn up in court filings.
_FORM_SCHEMES = (
    "wikipedia",
    "bgn_pcgn",
    "icao_doc_9303",
    "mvd_782",
    "mvd_310",
    "gost_779",
    "scientific",
    "telegram",
    "yandex_money",
)
_NAME_GRAMMEMES = frozenset({"Name", "Surn", "Patr"})


def _inflections(word: str) -> set[str]:
    w = word.lower()
    if not has_cyrillic(w):
        return {w, w + "'s", w + "’s"}
    forms = {w}
    for parse in analyzer().parse(w):
        # Only a nominative singular reading is the name itself; "Мусаев" also reads as the
        # genitive plural of the given name "Мусай", whose forms are not this person's.
        if _NAME_GRAMMEMES & parse.tag.grammemes and {"sing", "nomn"} <= parse.tag.grammemes:
            forms |= {f.word for f in parse.lexeme if "plur" not in f.tag}
    # pymorphy3 does not know most Chechen names and surnames: decline them by their ending.
    if w.endswith(("а", "я")):
        stem, soft = w[:-1], w.endswith("я")
        forms |= {
            stem + e for e in (("и", "е", "ю", "ей", "ею") if soft else ("ы", "е", "у", "ой", "ою"))
        }
        if w.endswith(("ова", "ева", "ина", "ына")):
            forms |= {stem + "ой", stem + "у", stem + "ых"}
    elif w.endswith("ий"):
        stem = w[:-2]
        forms |= {stem + e for e in ("ия", "ию", "ием", "ии")}
    elif w.endswith(("ь", "й")):
        stem = w[:-1]
        forms |= {stem + e for e in ("я", "ю", "ем", "е")}
    elif w[-1:] not in "аеёиоуыэюя":
        forms |= {w + e for e in ("а", "у", "ом", "е")}
        if w.endswith(("ов", "ев", "ин", "ын")):
            forms |= {w + e for e in ("ым", "ых", "а", "ой", "у")}
    return forms


def name_forms(name: str) -> set[str]:
    """Concrete spellings of a name: its case forms, each in the usual transliteration schemes.

    For a multi-word name the result holds the forms of each word and of the whole name in
    the nominative. Forms are lower case; matching in text is case-insensitive. Tests use
    them to prove that no spelling of a linked person survives redaction."""
    words = [w for w in re.split(r"\s+", name.strip()) if w]
    out: set[str] = set()
    for word in words:
        for form in _inflections(word):
            out.add(form)
            if has_cyrillic(form):
                out.update(RENDERERS[s](form).lower() for s in _FORM_SCHEMES)
    if len(words) > 1:
        whole = " ".join(words).lower()
        out.add(whole)
        if has_cyrillic(whole):
            out.update(RENDERERS[s](whole).lower() for s in _FORM_SCHEMES)
    return {f for f in out if f}

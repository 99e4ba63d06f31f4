"""Russian morphology of personal names: case endings, gendered surname forms, patronymics.

Rules work on the canonical Latin form (:func:`translit.canonical_latin`), so a Cyrillic token
and a transliterated one go through the same endings. pymorphy3 adds the nominative of Russian
names it knows (Павла -> Павел, with its fleeting vowel); Chechen names and most surnames are
unknown to it, which is why the rules come first.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .diminutives import GivenName, exact_given_name, lookup_given_name
from .translit import has_cyrillic, plain_latin

_PATRONYMIC_RE = re.compile(
    r"(?P<stem>[a-z-]+?)"
    r"(?:(?P<m>(?:o|e)(?:vich|vych|vitch|witsch|wicz|vic)(?:a|u|em|e|om)?)"
    r"|(?P<f>(?:(?:o|e)(?:vn|wn)|ichn|inichn)(?:a|y|e|oy|oyu|u)))$"
)
# -ич alone (Ильич, Кузьмич, Саввич) is a patronymic too, but also ends Serbian surnames; it
# only counts in the middle or end of a three-part name (see ParsedName).
_SHORT_PATRONYMIC_RE = re.compile(r"(?P<stem>[a-z]{3,}?)(?:ich|itch|itsch|icz)(?:a|u|em|e)?$")

_SURNAME_FEMININE_RE = re.compile(
    r"(?:[oe]va|yova|[iy]na|[ou]wa|[ct]?sk(?:aya|aja|aia|a)|[ao][yij]a)$"
)
_SURNAME_MASCULINE_RE = re.compile(
    r"(?:[oe]v|yov|[iy]n|ine|[oe]w|[oe]ff|[ct]?sk(?:iy|ii|ij|i|y|yi|iy)|[ao][yij]|iy|ij)$"
)
# Oblique case endings after a surname suffix: Исаевым, Исаеву, Исаевых, Ковальского, ...
_SURNAME_OBLIQUE_RE = re.compile(
    r"(?P<base>[a-z]+(?:[oe]v|yov|[iy]n))(?:ym|ymi|ykh|om|oy|oyu|u|e|y|a)$"
    r"|(?P<adj>[a-z]+sk)(?:ogo|omu|im|om|oy|oyu|uyu|ikh|imi|aya|uyu|oe)$"
)
# Исаевой/Исаевою, Ковальской are feminine; Исаеву/Исаевым/Исаевом, Ковальского masculine.
_SURNAME_FEMININE_OBLIQUE_RE = re.compile(r"(?:(?:[oe]v|yov|[iy]n)(?:oy|oyu)|sk(?:oy|oyu|uyu))$")
_SURNAME_MASCULINE_OBLIQUE_RE = re.compile(
    r"(?:(?:[oe]v|yov|[iy]n)(?:ym|om|u|e)|sk(?:ogo|omu|im|om))$"
)
# Endings of Russian nominal declension for given names, longest first.
_GIVEN_ENDINGS = (
    "oyu",
    "eyu",
    "ami",
    "om",
    "em",
    "oy",
    "ey",
    "ym",
    "im",
    "yu",
    "ya",
    "u",
    "e",
    "i",
    "y",
    "a",
)
_NOMINATIVE_ENDINGS = ("", "a", "ya", "y", "iy")


def patronymic(latin: str, allow_short: bool) -> tuple[str, str] | None:
    """(father's name stem, gender) when the token is a patronymic, else None."""
    match = _PATRONYMIC_RE.fullmatch(latin)
    if match and len(match.group("stem")) >= 2:
        return match.group("stem"), ("M" if match.group("m") else "F")
    if allow_short:
        short = _SHORT_PATRONYMIC_RE.fullmatch(latin)
        if short:
            return short.group("stem"), "M"
    return None


def surname_gender(latin: str) -> str | None:
    """ "F" for -ова/-ева/-ина/-ская forms (also masculine genitive!), "M" for -ов/-ин/-ский."""
    if _SURNAME_FEMININE_RE.search(latin) or _SURNAME_FEMININE_OBLIQUE_RE.search(latin):
        return "F"
    if _SURNAME_MASCULINE_RE.search(latin) or _SURNAME_MASCULINE_OBLIQUE_RE.search(latin):
        return "M"
    return None


def surname_base(latin: str) -> str | None:
    """The masculine nominative stem of an oblique surname form (Исаевым -> isaev)."""
    match = _SURNAME_OBLIQUE_RE.fullmatch(latin)
    if not match:
        return None
    if match.group("base"):
        return match.group("base")
    return match.group("adj") + "iy"


_FEMININE_STEM_RE = re.compile(r"(?P<stem>[a-z]+(?:[oe][vw]|yov|[iy]n))a$")
_ADJECTIVAL_STEM_RE = re.compile(
    r"(?P<stem>[a-z]+(?:[ct]?sk|ck))(?:aya|aja|aia|a|iy|ii|ij|i|y|yi|oy|ogo|omu|im|om|oyu|uyu|ikh|imi)$"
)


def surname_stem(latin: str) -> str:
    """Gender- and case-free stem of a surname-like token: Исаева/Исаевым -> isaev,
    Ковальская/Kowalski -> kovalsk. Other tokens come back unchanged."""
    base = surname_base(latin)
    if base:
        latin = base
    match = _FEMININE_STEM_RE.fullmatch(latin) or _ADJECTIVAL_STEM_RE.fullmatch(latin)
    return match.group("stem") if match else latin


def _case_candidates(latin: str) -> list[str]:
    out: list[str] = []
    for ending in _GIVEN_ENDINGS:
        if latin.endswith(ending) and len(latin) - len(ending) >= 2:
            base = latin[: -len(ending)]
            out.extend(base + nominative for nominative in _NOMINATIVE_ENDINGS)
    return out


@lru_cache(maxsize=1)
def analyzer() -> Any:
    """The one pymorphy3 analyser of the process (the redaction engine reads parts of speech
    through it too), loaded once and lazily: importing the names package must stay cheap for
    code that only transliterates. The dictionary ships inside pymorphy3-dicts-ru; nothing is
    downloaded."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=65536)
def name_lemmas(token: str) -> tuple[str, ...]:
    """Nominative forms pymorphy3 proposes for a Cyrillic name token (Name/Surn/Patr parses)."""
    if not has_cyrillic(token):
        return ()
    lemmas: list[str] = []
    parses = analyzer().parse(token.lower())
    # A word that reads as a nominative is its own lemma; pymorphy's guesses for unknown
    # nominatives (Исаев as a possessive of Иса) would only add noise.
    if any(p.tag.case == "nomn" and ("Surn" in p.tag or "Name" in p.tag) for p in parses):
        return ()
    for parse in parses:
        tag = parse.tag
        if ("Name" in tag or "Surn" in tag or "Patr" in tag) and parse.normal_form not in lemmas:
            lemmas.append(parse.normal_form)
    return tuple(lemmas[:3])


_CYR_ENDINGS = ("ою", "ею", "ой", "ей", "ом", "ем", "а", "я", "у", "ю", "ы", "и", "е")
_CYR_NOMINATIVE = ("", "а", "я", "ь", "й", "ий", "ия")


def _cyrillic_candidates(word: str) -> list[str]:
    out: list[str] = []
    low = word.lower()
    for ending in _CYR_ENDINGS:
        if low.endswith(ending) and len(low) - len(ending) >= 2:
            out.extend(low[: -len(ending)] + nominative for nominative in _CYR_NOMINATIVE)
    return out


def _oblique_exact(token: str, surname_like: bool) -> frozenset[GivenName]:
    found: set[GivenName] = set()
    for candidate in _cyrillic_candidates(token):
        found |= exact_given_name(candidate)
    if not found and not surname_like:
        for lemma in name_lemmas(token):
            found |= exact_given_name(lemma)
    return frozenset(found)


def _oblique_by_skeleton(token: str) -> frozenset[GivenName]:
    found: set[GivenName] = set()
    for lemma in name_lemmas(token):
        found |= lookup_given_name(lemma)
    if found:
        return frozenset(found)
    for candidate in _case_candidates(plain_latin(token)):
        found |= lookup_given_name(candidate)
    return frozenset(found)


@lru_cache(maxsize=65536)
def given_name_readings(token: str) -> tuple[frozenset[GivenName], frozenset[GivenName]]:
    """(groups the token *is*, groups it is an inflected form of). At most one is non-empty.

    For Cyrillic, listed spellings decide first, so that an exact nominative (Малика) wins over
    an inflection (Малика as the genitive of Малик) and an exact inflection (Шамиля from Шамиль)
    wins over a skeleton look-alike (Джамиля). Latin tokens only have skeletons."""
    # Surname-shaped words (Исаевой, Isaeva) are not inflected given names; skipping the
    # expensive readings for them halves the cost of analysing a new name.
    surname_like = surname_gender(plain_latin(token)) is not None
    if has_cyrillic(token):
        exact = exact_given_name(token)
        if exact:
            return exact, frozenset()
        oblique = _oblique_exact(token, surname_like)
        if oblique:
            return frozenset(), oblique
    direct = lookup_given_name(token)
    if direct or surname_like:
        return direct, frozenset()
    return frozenset(), _oblique_by_skeleton(token)


# --- running text ----------------------------------------------------------------------------
# Matching compares names typed into a form; text scanning (redaction) meets every word of a
# sentence, organisations and places among them, so it also needs the adjectival declension
# (Российской, Грозного, Новой) and a fleeting vowel (Павла, Айдла). Longest endings first.
_CYR_ADJECTIVAL = (
    ("ого", ("ый", "ий", "ой")),
    ("его", ("ий",)),
    ("ому", ("ый", "ий", "ой")),
    ("ему", ("ий",)),
    ("ыми", ("ый", "")),
    ("ими", ("ий",)),
    ("ой", ("ая", "ый", "ий")),
    ("ей", ("яя",)),
    ("ую", ("ая",)),
    ("юю", ("яя",)),
    ("ым", ("ый",)),
    ("им", ("ий",)),
    ("ых", ("ый", "")),
    ("их", ("ий",)),
    ("ая", ("ий", "ый")),
)
_LATIN_ENDING_SPELLINGS = (
    (re.compile(r"o[ij]$"), "oy"),
    (re.compile(r"o[ij]u$"), "oyu"),
    (re.compile(r"(?:ikh|ih|yh|ix|yx)$"), "ykh"),
    (re.compile(r"(?<=[ov])im$"), "ym"),
)
_FLEETING_RE = re.compile(r"([бвгджзклмнпрстфхцчшщ])([бвгджзклмнпрстфхцчшщ])$")


@lru_cache(maxsize=65536)
def singular_name_lemmas(word: str) -> tuple[str, ...]:
    """Nominatives of the singular Name/Surn/Patr readings pymorphy3 has for a Cyrillic word.

    Unlike :func:`name_lemmas` a nominative word keeps its own lemma. Plural readings are left
    out on purpose: pymorphy reads "Салехов" as the genitive plural of the given name "Салех",
    which would merge a surname with a different person's given name."""
    if not has_cyrillic(word):
        return ()
    out: list[str] = []
    for parse in analyzer().parse(word.lower()):
        tag = parse.tag
        if "plur" in tag or not ("Name" in tag or "Surn" in tag or "Patr" in tag):
            continue
        if parse.normal_form not in out:
            out.append(parse.normal_form)
    return tuple(out)


@lru_cache(maxsize=65536)
def nominative_candidates(word: str) -> tuple[str, ...]:
    """Every nominative singular a word of running text could be a case form of, the word
    itself first, in the word's own script (lower case).

    Cyrillic words go through the given-name endings of :func:`_cyrillic_candidates`, the
    adjectival ones above and pymorphy3's singular name readings. Latin words are not
    declined in the texts Haven meets beyond a possessive and a transliterated surname ending
    (Musaevym), so only those are undone: guessing Latin case endings would turn English words
    into names."""
    low = word.strip("-'’").lower()
    if len(low) < 2:
        return (low,) if low else ()
    out: list[str] = [low]
    if has_cyrillic(low):
        found = _cyrillic_candidates(low)
        for ending, nominatives in _CYR_ADJECTIVAL:
            if low.endswith(ending) and len(low) - len(ending) >= 2:
                found.extend(low[: -len(ending)] + nominative for nominative in nominatives)
        for ending in _CYR_ENDINGS:
            stem = low[: -len(ending)]
            fleeting = _FLEETING_RE.search(stem) if low.endswith(ending) else None
            if fleeting and len(stem) >= 3:
                found += [stem[:-1] + vowel + stem[-1] for vowel in ("е", "о")]
        found.extend(singular_name_lemmas(low))
    else:
        bare = re.sub(r"(?:['’]s|s['’])$", "", low)
        found = [bare]
        latin = plain_latin(bare)
        # Schemes spell the endings -ой/-ою/-их/-им differently (Musaevoi, Musaevoj, Musaevikh).
        for spelling in {latin, *(rx.sub(repl, latin) for rx, repl in _LATIN_ENDING_SPELLINGS)}:
            base = surname_base(spelling)
            if base and base not in found:
                found.append(base)
    for candidate in found:
        if candidate and candidate not in out:
            out.append(candidate)
    return tuple(out)


# Surname shapes for recognising an unknown capitalised word as a name. Cyrillic keeps -ин/-ын
# (Путину, Ильина); Latin does not, because English text is full of -in words that are no one
# (Kremlin, Berlin, Latin). Latin adds the suffixes of neighbouring nations' surnames.
_SURNAME_SHAPE_CYR = re.compile(
    r"(?:ов|ев|ёв|ин|ын|аев|иев)(?:а|у|ым|ом|е|ой|ых|ыми|ы)?$|(?:ович|евич|овна|евна)\w{0,3}$"
)
_SURNAME_SHAPE_LAT = re.compile(
    r"(?:ov|ev|ova|eva|ayev|iyev|yev|yeva|aeva|ovich|evich|ovna|evna|sky|skiy|skii|skaya|enko|"
    r"shvili|dze|yan|ian|khanov)$"
)


def surname_shaped(word: str) -> bool:
    """Whether a word (five letters or more) ends like a Russian, Chechen or neighbouring
    surname or patronymic, in its own script."""
    low = word.lower()
    if has_cyrillic(low):
        return len(low) >= 5 and _SURNAME_SHAPE_CYR.search(low) is not None
    low = re.sub(r"(?:['’]s)$", "", low)
    return len(low) >= 5 and _SURNAME_SHAPE_LAT.search(low) is not None


def reads_as_name(word: str) -> bool:
    """Whether pymorphy3's most likely reading of a Cyrillic word is a personal name."""
    if not has_cyrillic(word):
        return False
    parses = analyzer().parse(word.lower())
    top = parses[0] if parses else None
    grammemes = {"Name", "Surn", "Patr"}
    return top is not None and bool(grammemes & top.tag.grammemes) and top.score >= 0.3

"""Transliteration and the phonetic skeleton that every rendering of a name collapses to.

We never transliterate Latin back to Cyrillic: the same name arrives as ICAO passport Latin,
GOST library Latin, French MVD Latin, German or Polish press spellings and informal habits
(Kh/H/Ch, ye/e/je, -iy/-ii/-ij ...). Instead every script is reduced to one coarse *skeleton*:

- all vowels and glides (а е ё и й о у ы э ю я, a e i o u y, j before a vowel) become one slot
  ``a``, and runs of slots merge -- this absorbs Yelena/Elena/Jelena, Iuliia/Yuliya/Julija,
  -iy/-ii/-ij/-y and the feminine/case endings -а/-у/-е/-ы/-ой once the final slot is dropped;
- hushing sounds and х (ш щ ж ч х; sh sch sz ch kh h x zh ż j ...) become ``X``, because
  "ch" is ч in English, х in German and ш in French, and "j" is ж in French;
- hissing sounds (с з ц; s z ts tz c) become ``S``, because German writes з as "s" and ц as "z";
- в/v/w and a final "ff" become ``v``.

Where one Latin spelling is genuinely two sounds (English "x" = кс, "j" = дж or й, "cz" = ч in
Polish but ц in GOST 7.79 B) the skeleton function returns both readings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from itertools import product

import iuliia

# Canonical Cyrillic -> Latin used only internally, before the skeleton rules. It is BGN-like
# so that the same Latin rules serve both scripts.
_CYR = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "yo",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    # The soft sign is kept as a marker: before a vowel some schemes drop it (Хьава -> Khava),
    # others write "y" (Khyava); see _segment_readings.
    "ь": "Y",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    # Chechen palochka (glottal stop mark) is dropped: Хьава/ХӀава/Хава are one name.
    "ӏ": "",
    "і": "i",
    "ї": "yi",
    "є": "ye",
    "ґ": "g",
    "ў": "u",
}

# Latin letters with diacritics that carry a sound of their own in some scheme; everything
# else loses its marks through NFD below.
_LATIN_FOLD = {
    "š": "sh",
    "č": "ch",
    "ž": "zh",
    "ŝ": "shch",
    "ĭ": "y",
    "û": "yu",
    "â": "ya",
    "ë": "yo",
    "ł": "l",
    "ś": "s",
    "ć": "ch",
    "ż": "zh",
    "ź": "zh",
    "ß": "ss",
    "ç": "s",
    "œ": "oe",
    "æ": "ae",
    "ø": "o",
    "đ": "d",
}

_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
# Hyphens survive as a boundary so that no digraph forms across Yusup-Hadzhi ("ph").
_NON_LETTER_RE = re.compile(r"[^a-zY-]+")


def has_cyrillic(text: str) -> bool:
    return _CYRILLIC_RE.search(text) is not None


@lru_cache(maxsize=65536)
def canonical_latin(token: str) -> str:
    """Lower-case a-z rendering of one token from any script (apostrophes and marks dropped)."""
    # NFC first: some schemes emit Z + combining caron instead of ž.
    text = unicodedata.normalize("NFC", token).lower()
    if has_cyrillic(text):
        # A Latin I or l inside a Cyrillic word is a typed palochka (ХIава), not a letter.
        text = re.sub(r"(?<=[\u0400-\u04ff])[il1](?=[\u0400-\u04ff])", "", text)
        text = "".join(_CYR.get(ch, ch) for ch in text)
    text = "".join(_LATIN_FOLD.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_LETTER_RE.sub("", text).strip("-")


def plain_latin(token: str) -> str:
    """:func:`canonical_latin` without the soft-sign marker, for ending rules."""
    return canonical_latin(token).replace("Y", "")


# Multi-letter spellings first (longest match wins). Each maps to its possible readings.
_X = ("X",)
_S = ("S",)
_RULES: dict[str, tuple[str, ...]] = {
    "schtsch": _X,
    "shtch": _X,
    "chtch": _X,
    "shch": _X,
    "szcz": _X,
    "tsch": _X,
    "dsch": _X,
    "dzh": _X,
    # Schemes that write х as "h" turn с+х and к+х into "sh" and "kh" (Ashab, Bekhan).
    "skh": ("SX", "X"),
    "kkh": ("kX", "X"),
    "sch": _X,
    "shh": _X,
    "tch": _X,
    "zh": _X,
    "sh": _X,
    "ch": _X,
    "kh": _X,
    "sz": _X,
    # Polish cz is ч; GOST 7.79 system B writes ц as "cz".
    "cz": ("X", "S"),
    # French "Dj" is дж, but ISO/German "Podjachev" is д + й.
    "dj": ("X", "d"),
    # Telegram's scheme writes щ as "sc".
    "sc": _X,
    "ts": _S,
    # GOST 52535 (Russian passports 2010-2013) writes ц as "tc".
    "tc": _S,
    "tz": _S,
    "ph": ("f",),
    "gh": ("g",),
    "ck": ("k",),
    "qu": ("k",),
    "eh": ("",),  # resolved in _segment_readings
    "h": _X,
    "c": _S,
    "s": _S,
    "z": _S,
    "x": ("X", "kS"),
    "w": ("v",),
    "q": ("k",),
}
_VOWELS = frozenset("aeiouy")
_RULE_RE = re.compile("|".join(sorted(_RULES, key=len, reverse=True)) + "|.")
_MAX_READINGS = 4


def _segment_readings(latin: str, fine: bool) -> list[tuple[str, ...]]:
    readings: list[tuple[str, ...]] = []
    for match in _RULE_RE.finditer(latin):
        piece = match.group(0)
        nxt = latin[match.end() : match.end() + 1]
        if piece == "-":
            readings.append(("",))
        elif piece == "Y":
            readings.append(("", "i") if fine and nxt in _VOWELS and nxt else ("",))
        elif piece == "eh" and nxt not in _VOWELS:
            # GOST 16876 (alt) writes э as "eh" (Behla = Бэла); elsewhere eh+consonant is е+х.
            vowel = "e" if fine else "a"
            readings.append((vowel, vowel + "X"))
        elif piece == "eh":
            readings.append(("e" if fine else "a",))
            readings.append(("X",))
        elif piece in _VOWELS:
            readings.append((("i" if piece == "y" else piece),) if fine else ("a",))
        elif piece == "j":
            glide = "i" if fine else "a"
            # j is й in German/Polish/ISO and дж/ж in English/French (Jamal, Nadejda, Khavaj).
            readings.append((glide, "X"))
        else:
            readings.append(_RULES.get(piece, (piece,)))
    return readings


def _squeeze(chars: str) -> str:
    """Merge runs of one symbol: doubled consonants and vowel clusters are one slot."""
    out: list[str] = []
    for ch in chars:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def _prepare(latin: str) -> str:
    # French and old German spellings end -ов in "-off"/"-ff".
    return re.sub(r"ff$", "v", latin)


# Vowel clusters in the fine skeleton: ё is "yo"/"jo"/"io"/"e" depending on the scheme and е
# after a vowel is "ye"/"ie"/"je"/"e", so both fold into "e" (Yelena/Ielena/Elena); French
# "ou" is у.
_FINE_FOLDS = (
    (re.compile(r"ou"), "u"),
    (re.compile(r"i+"), "i"),
    (re.compile(r"io|ie"), "e"),
    (re.compile(r"([aeiou])\1+"), r"\1"),
)


def _fine(skel: str) -> str:
    for pattern, repl in _FINE_FOLDS:
        skel = pattern.sub(repl, skel)
    return skel


@lru_cache(maxsize=65536)
def fine_skeletons(token: str) -> tuple[str, ...]:
    """Skeletons that keep vowel quality (a e i o u): used to look given names up, where
    Алла/Ольга/Юлия or Салах/Салех must stay apart. Less robust to vowel spelling habits than
    :func:`skeletons`, so variants that differ in vowels are listed in the name tables."""
    latin = _prepare(canonical_latin(token))
    # French spellings: gu before e/i is г (Evguenii), and a final n takes a mute e (Emine).
    latin = re.sub(r"gu(?=[ei])", "g", latin)
    latin = re.sub(r"(?<=[aeiouy]n)e$", "", latin)
    out: list[str] = []
    for combo in product(*_segment_readings(latin, fine=True)):
        skel = _fine(_squeeze("".join(combo)))
        if skel and skel not in out:
            out.append(skel)
        if len(out) >= _MAX_READINGS:
            break
    return tuple(out)


@lru_cache(maxsize=65536)
def full_skeletons(token: str) -> tuple[str, ...]:
    """Coarse skeletons keeping the final vowel slot, typed: ``A`` when the word ends in a/я,
    ``V`` for any other final vowel."""
    latin = _prepare(canonical_latin(token)).replace("Y", "")
    if not latin:
        return ()
    out: list[str] = []
    for combo in product(*_segment_readings(latin, fine=False)):
        skel = _squeeze("".join(combo))
        if skel.endswith("a") and len(skel) > 1:
            skel = skel[:-1] + ("A" if latin.endswith("a") else "V")
        if skel not in out:
            out.append(skel)
        if len(out) >= _MAX_READINGS:
            break
    return tuple(out)


def strip_final_vowel(full: str) -> str:
    return full[:-1] if full[-1:] in ("A", "V") else full


@lru_cache(maxsize=65536)
def skeletons(token: str) -> tuple[str, ...]:
    """Coarse skeletons without the final vowel slot, so Исаев/Исаева/Isayeva/Isaevoj agree."""
    out: list[str] = []
    for full in full_skeletons(token):
        skel = strip_final_vowel(full)
        if skel not in out:
            out.append(skel)
    return tuple(out)


# --- renderings -----------------------------------------------------------------------------

# Every iuliia scheme, by its lower-case name (icao_doc_9303, gost_779, bgn_pcgn, mvd_310, ...).
IULIIA_SCHEMES: dict[str, iuliia.Schema] = dict(iuliia.schemas.items())


def _render_by_table(text: str, table: dict[str, str], initial: dict[str, str]) -> str:
    """Per-letter rendering; ``initial`` overrides letters at a word start or after a vowel
    (е ё ю я are iotated there)."""
    out: list[str] = []
    prev = ""
    for ch in text:
        low = ch.lower()
        iotated = prev == "" or prev in "аеёиоуыэюяьъ "
        piece = initial.get(low) if iotated and low in initial else table.get(low, ch)
        if piece is None:
            piece = table.get(low, ch)
        if ch != low and piece:
            piece = piece[0].upper() + piece[1:]
        out.append(piece)
        prev = low if low.strip() else ""
    return "".join(out)


_BASE = {k: v for k, v in _CYR.items() if len(k) == 1} | {"ь": ""}

_GERMAN = _BASE | {
    "в": "w",
    "е": "e",
    "ё": "jo",
    "ж": "sch",
    "з": "s",
    "й": "j",
    "х": "ch",
    "ц": "z",
    "ч": "tsch",
    "ш": "sch",
    "щ": "schtsch",
    "ы": "y",
    "ю": "ju",
    "я": "ja",
}
_GERMAN_INITIAL = {"е": "je"}

_FRENCH = _BASE | {
    "е": "e",
    "ё": "io",
    "ж": "j",
    "й": "ï",
    "у": "ou",
    "х": "kh",
    "ч": "tch",
    "ш": "ch",
    "щ": "chtch",
    "ю": "iou",
    "я": "ia",
}
_FRENCH_INITIAL = {"е": "ie"}

_POLISH = _BASE | {
    "в": "w",
    "ё": "io",
    "ж": "ż",
    "й": "j",
    "л": "ł",
    "х": "ch",
    "ц": "c",
    "ч": "cz",
    "ш": "sz",
    "щ": "szcz",
    "ю": "iu",
    "я": "ia",
}
_POLISH_INITIAL = {"е": "je", "ё": "jo", "ю": "ju", "я": "ja"}


def render_german(text: str) -> str:
    return _render_by_table(text, _GERMAN, _GERMAN_INITIAL)


def render_french(text: str) -> str:
    return _render_by_table(text, _FRENCH, _FRENCH_INITIAL)


def render_polish(text: str) -> str:
    return _render_by_table(text, _POLISH, _POLISH_INITIAL)


def _iuliia_renderer(schema: iuliia.Schema) -> Callable[[str], str]:
    return schema.translate


RENDERERS: dict[str, Callable[[str], str]] = {
    name: _iuliia_renderer(schema) for name, schema in IULIIA_SCHEMES.items()
} | {"german": render_german, "french": render_french, "polish": render_polish}


def transliterate(text: str, scheme: str = "icao_doc_9303") -> str:
    """Render Cyrillic ``text`` through a named scheme (any key of :data:`RENDERERS`)."""
    return RENDERERS[scheme](text)

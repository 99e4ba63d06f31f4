"""Coarse, script-independent keys for personal names, for the blind index.

Every rendering of one name token should share at least one key: Исаев, Isaev, Isayev, Issaew,
Исаева (feminine or genitive), Исаеву (dative). Keys are deliberately coarse (a consonant
skeleton): the index may return too many candidates, never too few; candidates are decrypted and
checked afterwards. Transliteration habits covered: ICAO/GOST/BGN-style (kh, zh, ts, ch, sh,
shch, ya/yu/ye), German (ch, sch, tsch, w, z), French (ou, ch), Polish (sz, cz, rz, w).
"""

from __future__ import annotations

import re
import unicodedata

_CYR = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
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
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "і": "i",
    "ї": "i",
    "є": "e",
    "ӏ": "",
}
# Multi-letter Latin spellings folded to one sound class, longest first. Two readings of "ch"
# (Russian Ч, and Х in German/French renderings such as Selimchan) give two keys.
_CH_FOLDS = [
    ("schtsch", "S"),
    ("shch", "S"),
    ("szcz", "S"),
    ("tsch", "C"),
    ("sch", "S"),
    ("tch", "C"),
]
_FOLDS = [
    ("dzh", "J"),
    ("kh", "H"),
    ("zh", "J"),
    ("sh", "S"),
    ("sz", "S"),
    ("cz", "C"),
    ("rz", "J"),
    ("ts", "Z"),
    ("tz", "Z"),
    ("ph", "f"),
    ("ks", "x"),
    ("ck", "k"),
    ("q", "k"),
    ("w", "v"),
    ("sc", "S"),
    ("c", "Z"),
]
# Scholarly and Slavic diacritics (GOST 7.79, ISO 9, scientific, Polish, Czech) before they are
# stripped, so that Š stays a sh and not an s.
_DIACRITICS = {
    "š": "sh",
    "ŝ": "shch",
    "č": "ch",
    "ĉ": "ch",
    "ž": "zh",
    "ż": "zh",
    "ś": "s",
    "ć": "ch",
    "ł": "l",
    "û": "yu",
    "â": "ya",
    "ŭ": "u",
    "ǎ": "a",
    "ʹ": "",
    "ʺ": "",
    "'": "",
    "`": "",
}
_VOWELS = set("aeiouy")
_OBLIQUE_ENDINGS = ("ym", "im", "om", "em", "oy", "oi", "oj", "ey", "ei", "ej")


def _latin(token: str) -> str:
    token = unicodedata.normalize("NFKC", token).lower()
    out = "".join(_CYR.get(ch, _DIACRITICS.get(ch, ch)) for ch in token)
    out = unicodedata.normalize("NFKD", out)
    return "".join(ch for ch in out if "a" <= ch <= "z")


def _fold(latin: str, ch_as: str) -> str:
    s = latin
    for old, new in _CH_FOLDS:
        s = s.replace(old, new)
    s = s.replace("ch", ch_as)
    for old, new in _FOLDS:
        s = s.replace(old, new)
    s = s.replace("h", "H").replace("z", "Z").replace("s", "Z")  # Z/З/S/Ц habits blur together
    s = s.replace("j", "y")  # Jelena / Yelena, Jusup / Yusup
    return s


def _skeleton(folded: str) -> str:
    """First sound, then the consonants, doubles collapsed."""
    if not folded:
        return ""
    head, rest = folded[0], folded[1:]
    if head in _VOWELS:
        head = "V"  # Yelena / Elena / Jelena start alike: any vowel or y
    elif head == "y" and rest[:1] in _VOWELS:
        head, rest = "V", rest[1:]
    consonants = [c for c in rest if c not in _VOWELS]
    out = [head]
    for c in consonants:
        if c != out[-1]:
            out.append(c)
    return "".join(out)


def token_keys(token: str) -> set[str]:
    latin = _latin(token)
    if len(latin) < 2:
        return set()
    forms = {latin}
    if latin.endswith("ff") or (latin.endswith("f") and latin[-2:-1] in _VOWELS):
        forms.add(latin.rstrip("f") + "v")  # Ivanoff, Isaieff: the French and old German -ff
    if "j" in latin and "dj" not in latin:
        forms.add(latin.replace("j", "zh"))  # Janna (telegram, French) for Жанна, besides Jelena
    if "x" in latin:
        forms.add(latin.replace("x", "kh"))  # Zelimxan: x for Х, not only for ks
    for form in list(forms):
        for ending in _OBLIQUE_ENDINGS:  # Исаевым, Исаевой: drop the case ending too
            if form.endswith(ending) and len(form) - len(ending) >= 3:
                forms.add(form[: -len(ending)])
    keys = set()
    for form in forms:
        for ch_as in ("C", "H"):
            key = _skeleton(_fold(form, ch_as))
            if len(key) >= 2:
                keys.add(key)
    return keys


def tokens(full_name: str) -> list[str]:
    return [t for t in re.split(r"[\s,;/()\"'«»\-]+", full_name) if t]


def name_keys(full_name: str) -> set[str]:
    """Keys of every token of a full name (so a family name alone finds the person)."""
    keys: set[str] = set()
    for t in tokens(full_name):
        keys |= token_keys(t)
    return keys


def normalise(full_name: str) -> str:
    """A Latin, lower-case, single-spaced form for display-free comparison."""
    return " ".join(_latin(t) for t in tokens(full_name))

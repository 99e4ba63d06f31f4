"""Name forms: how one person's name can be written across scripts, cases and diminutives.

This is the narrow seam between redaction and the name model being built in `haven/lib/names/`.
Redaction needs only two things from it:

* `forms_of(name)` — concrete spellings to look for (and to prove absent in tests);
* `same_person_token(a, b)` — whether two single words can be the same name part
  (Салеху ~ Saleh ~ Salekh ~ Салик).

Matching works on a *skeleton*: a coarse, script-neutral key that folds the differences between
transliteration schemes (kh/h, zh/j/dzh, ya/ia, -iy/-y, doubled letters) so that every rendering
of Салех lands on the same string. Case endings are removed by rules before keying, because
pymorphy3 does not know most Chechen names and surnames and would otherwise leave them unmatched.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import iuliia

# Schemes people actually meet: passports (ICAO, MVD), Wikipedia/press (WIKIPEDIA, BGN/PCGN),
# banking/telegram habits, and the scholarly ones that turn up in court filings.
_SCHEMES = (
    iuliia.WIKIPEDIA,
    iuliia.BGN_PCGN,
    iuliia.ICAO_DOC_9303,
    iuliia.MVD_782,
    iuliia.MVD_310,
    iuliia.GOST_779,
    iuliia.SCIENTIFIC,
    iuliia.TELEGRAM,
    iuliia.YANDEX_MONEY,
)

_CYR_TO_SKELETON = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "io", "ж": "Z",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "T",
    "ч": "C", "ш": "S", "щ": "S", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "iu",
    "я": "ia", "ӏ": "", "і": "i", "ї": "i", "є": "e", "ў": "u",
}  # fmt: skip

# Latin digraphs first (longest first), so "shch" never becomes "s"+"hch".
_LATIN_RULES = (
    ("shch", "S"), ("sch", "S"), ("dzh", "Z"), ("tch", "C"), ("zh", "Z"), ("dj", "Z"),
    ("sh", "S"), ("ch", "C"), ("kh", "h"), ("ts", "T"), ("tz", "T"), ("ph", "f"), ("gh", "g"),
    ("ck", "k"), ("x", "ks"), ("j", "Z"), ("w", "v"), ("q", "k"), ("c", "k"), ("y", "i"),
)  # fmt: skip

# Non-ASCII letters of the scholarly schemes, folded before the digraph rules.
_LATIN_SPECIAL = str.maketrans(
    {"ž": "zh", "š": "sh", "č": "ch", "ŝ": "shch", "û": "yu", "â": "ya", "è": "e", "ė": "e",
     "ĭ": "i", "ʹ": "", "ʼ": "", "’": "", "'": "", "`": "", "ё": "e", "ə": "a", "ı": "i"}
)  # fmt: skip

_VOWELS = set("aeiou")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_MIN_KEY = 3


def is_cyrillic(word: str) -> bool:
    return bool(_CYRILLIC.search(word))


@functools.lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """A coarse key equal for all usual renderings of one spelling of a name."""
    w = word.lower().replace("дж", "Z")
    out = []
    for ch in w:
        if ch in _CYR_TO_SKELETON:
            out.append(_CYR_TO_SKELETON[ch])
        else:
            out.append(ch)
    s = "".join(out).translate(_LATIN_SPECIAL)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if c.isalpha() and not unicodedata.combining(c))
    for src, dst in _LATIN_RULES:
        s = s.replace(src, dst)
    # A glide "i" before a vowel at the start or after a vowel is how schemes spell я/ю/е/ё
    # (Yusup/Iusup/Юсуп, Musayev/Musaev): drop it so they all agree.
    s = re.sub(r"(^|[aeiou])i(?=[aeiou])", r"\1", s)
    s = re.sub(r"(.)\1+", r"\1", s)
    return s


# Rule-based case endings: (ending, nominative endings to try). Ordered longest first. They
# cover consonant-final names (Салех/Салеха/Салехом), -а/-я names (Мадина/Мадиной),
# -ов/-ев/-ин surnames (Мусаевым/Мусаевой/Мусаевых), -ий names and -ский surnames.
_CYR_ENDINGS = (
    ("ого", ("ий", "ой", "ый")), ("его", ("ий",)), ("ому", ("ий", "ой", "ый")),
    ("ему", ("ий",)), ("ыми", ("", "а")), ("ими", ("ий",)), ("ием", ("ий",)), ("ией", ("ия",)),
    ("ой", ("а", "ой", "ий")), ("ей", ("я", "ь", "й")), ("ою", ("а",)), ("ею", ("я",)),
    ("ым", ("", "ый")), ("им", ("ий", "")), ("ом", ("",)), ("ем", ("", "ь", "й")),
    ("ём", ("", "ь")), ("ых", ("", "а")), ("их", ("ий",)), ("ую", ("ая",)), ("ая", ("ий",)),
    ("ии", ("ий", "ия")), ("ия", ("ий",)), ("ию", ("ий", "ия")),
    ("а", ("", "а")), ("я", ("ь", "й", "")), ("у", ("", "а")), ("ю", ("ь", "й", "я")),
    ("е", ("", "а", "я", "ь", "й")), ("ы", ("а",)), ("и", ("а", "я", "ь", "ий")),
)  # fmt: skip

_LAT_ENDINGS = (
    ("'s", ("",)), ("’s", ("",)), ("s'", ("",)), ("oy", ("a",)), ("oi", ("a",)),
    ("ym", ("",)), ("om", ("",)), ("u", ("", "a")), ("a", ("",)), ("e", ("", "a")),
)  # fmt: skip

_FLEETING = re.compile(r"([бвгджзклмнпрстфхцчшщ])([бвгджзклмнпрстфхцчшщ])$")


def _cyr_bases(word: str) -> set[str]:
    w = word.lower()
    bases = {w}
    for ending, replacements in _CYR_ENDINGS:
        if w.endswith(ending) and len(w) - len(ending) >= 2:
            stem = w[: -len(ending)]
            for rep in replacements:
                bases.add(stem + rep)
            # Fleeting vowel: Павла -> Павел, Хасбулата stays, Айдла -> Айдел.
            m = _FLEETING.search(stem)
            if m:
                bases.add(stem[:-1] + "е" + stem[-1])
                bases.add(stem[:-1] + "о" + stem[-1])
    for lemma in _pymorphy_singular_lemmas(w):
        bases.add(lemma)
    return bases


def _lat_bases(word: str) -> set[str]:
    w = word.lower()
    bases = {w}
    for ending, replacements in _LAT_ENDINGS:
        if w.endswith(ending) and len(w) - len(ending) >= 3:
            for rep in replacements:
                bases.add(w[: -len(ending)] + rep)
    return bases


@functools.lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


_NAME_GRAMMEMES = {"Name", "Surn", "Patr"}


def _pymorphy_singular_lemmas(word: str) -> set[str]:
    # Plural readings are left out on purpose: pymorphy reads "Салехов" as the genitive plural
    # of the first name "Салех", which would merge a surname with a different person's name.
    out = set()
    for parse in _morph().parse(word):
        if "plur" in parse.tag or not (_NAME_GRAMMEMES & parse.tag.grammemes):
            continue
        out.add(parse.normal_form)
    return out


@functools.lru_cache(maxsize=65536)
def base_keys(word: str) -> frozenset[str]:
    """Skeletons of every nominative the word could be an inflected form of."""
    word = word.strip("-'’")
    bases = _cyr_bases(word) if is_cyrillic(word) else _lat_bases(word)
    keys = {skeleton(b) for b in bases}
    keys |= {_DIMINUTIVES[k] for k in keys if k in _DIMINUTIVES}
    return frozenset(k for k in keys if len(k) >= _MIN_KEY)


# Diminutives that do not follow from the name by a suffix rule. Skeleton -> skeleton of the
# full name. Chechen and Russian usage seen in casework; extend freely.
_DIMINUTIVE_PAIRS = {
    "Мага": "Магомед", "Магомедик": "Магомед", "Маго": "Магомед", "Мохьмад": "Магомед",
    "Саша": "Александр", "Саня": "Александр", "Шура": "Александр", "Дима": "Дмитрий",
    "Миша": "Михаил", "Женя": "Евгений", "Серёжа": "Сергей", "Лёша": "Алексей",
    "Коля": "Николай", "Ваня": "Иван", "Паша": "Павел", "Петя": "Пётр", "Вова": "Владимир",
    "Володя": "Владимир", "Слава": "Вячеслав", "Костя": "Константин", "Юра": "Юрий",
    "Таня": "Татьяна", "Наташа": "Наталья", "Лена": "Елена", "Катя": "Екатерина",
    "Маша": "Мария", "Оля": "Ольга", "Света": "Светлана", "Настя": "Анастасия",
    "Зелим": "Зелимхан", "Зелик": "Зелимхан", "Хадижа": "Хадижат", "Хадя": "Хадижат",
    "Ибра": "Ибрагим", "Рамзик": "Рамзан", "Апти": "Абдурахман", "Абу": "Абубакар",
    "Мовла": "Мовлади", "Иса": "Исрапил", "Ахмедик": "Ахмед", "Муса": "Мусса",
    "Хава": "Хавa", "Леча": "Лечи", "Тимурчик": "Тимур", "Саид": "Саид-Ахмед",
}  # fmt: skip
_DIMINUTIVES = {skeleton(k): skeleton(v) for k, v in _DIMINUTIVE_PAIRS.items()}

# Affectionate suffixes (after the skeleton): Салик, Лейлочка, Мадинка, Ислаша.
# Written in the skeleton alphabet (ч is "C", ш is "S"; я after a consonant is "ia").
_DIM_SUFFIXES = ("iCka", "oCka", "eCka", "Cik", "ik", "ka", "ulia", "usia", "uSa", "ia", "a", "o")


def _is_diminutive_of(dim: str, full: str) -> bool:
    if _DIMINUTIVES.get(dim) == full:
        return True
    for suffix in _DIM_SUFFIXES:
        if dim.endswith(suffix) and dim != full:
            stem = dim[: -len(suffix)]
            # The stem must be a real head of the full name (at least three letters, and at
            # least half of it) so that "Мак" never becomes a diminutive of "Магомед".
            if len(stem) >= 3 and full.startswith(stem) and 2 * len(stem) >= len(full) - 1:
                return True
    return False


def same_person_token(a: str, b: str) -> bool:
    """Whether two single words can be the same name part, in any script, case or diminutive."""
    ka, kb = base_keys(a), base_keys(b)
    if ka & kb:
        return True
    return any(_is_diminutive_of(x, y) or _is_diminutive_of(y, x) for x in ka for y in kb)


def _inflections(word: str) -> set[str]:
    w = word.lower()
    if not is_cyrillic(w):
        return {w, w + "'s", w + "’s"}
    forms = {w}
    for parse in _morph().parse(w):
        # Only a nominative singular reading is the name itself; "Мусаев" also reads as the
        # genitive plural of the first name "Мусай", whose forms are not this person's.
        if _NAME_GRAMMEMES & parse.tag.grammemes and {"sing", "nomn"} <= parse.tag.grammemes:
            forms |= {f.word for f in parse.lexeme if "plur" not in f.tag}
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


def forms_of(name: str) -> set[str]:
    """Concrete spellings of a name: its inflections, each in several transliteration schemes.

    For a multi-word name the result holds the forms of each word and of the whole name in the
    nominative. Forms are lower case; matching in text is case-insensitive.
    """
    words = [w for w in re.split(r"[\s]+", name.strip()) if w]
    out: set[str] = set()
    for word in words:
        for form in _inflections(word):
            out.add(form)
            if is_cyrillic(form):
                for scheme in _SCHEMES:
                    out.add(scheme.translate(form).lower())
    if len(words) > 1:
        whole = " ".join(words).lower()
        out.add(whole)
        if is_cyrillic(whole):
            out |= {scheme.translate(whole).lower() for scheme in _SCHEMES}
    return {f for f in out if f}

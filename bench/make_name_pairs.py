"""Write bench/data/name_pairs.tsv: labelled name pairs for the matcher (fixed seed).

Deliberately independent of haven.lib.names: its own name tables, its own per-letter
transliteration tables, hand-written case forms and random typos, so that the evaluation is
not the model grading itself.

Labelling decisions (stated, not learned):
- same person: any script or scheme, either order, patronymic present or absent, a Russian
  case form of the same name, a diminutive or a sound variant of the given name listed in
  VARIANTS below (Умар/Омар, Ибрагим/Ibrahim, Магомед/Мухаммад), one typo;
- different people: relatives (same surname, different given name; a sister in the feminine
  form), the other gender's form with the other gender's name (Александр/Александра Исаев/а),
  similar but different given names (Ислам/Аслан, Хасан/Хусейн, Малика/Мадина), different
  surnames that differ in at least two letters (one letter apart is indistinguishable from a
  typo, so such pairs are not generated), and namesakes with different patronymics.

Usage: uv run python bench/make_name_pairs.py [--out bench/data/name_pairs.tsv] [--n 2400]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

SEED = 20261124

# name -> (gender, variants that denote the same given name)
MALE: dict[str, list[str]] = {
    "Александр": ["Саша", "Шура", "Alexander", "Sasha"],
    "Алексей": ["Лёша", "Alexey"],
    "Андрей": ["Андрюша"],
    "Борис": ["Боря"],
    "Владимир": ["Вова", "Володя"],
    "Дмитрий": ["Дима", "Митя"],
    "Евгений": ["Женя"],
    "Иван": ["Ваня"],
    "Михаил": ["Миша", "Michael"],
    "Николай": ["Коля"],
    "Павел": ["Паша"],
    "Сергей": ["Серёжа"],
    "Юрий": ["Юра"],
    "Виктор": ["Витя"],
    "Константин": ["Костя"],
    "Максим": ["Макс"],
    "Руслан": [],
    "Тимур": [],
    "Артур": [],
    "Олег": [],
    "Ислам": [],
    "Аслан": [],
    "Зелимхан": ["Зелим", "Selimchan"],
    "Хамзат": [],
    "Салех": ["Салих"],
    "Рамзан": ["Рамазан"],
    "Мовсар": [],
    "Ибрагим": ["Ibrahim", "Ибрахим"],
    "Умар": ["Омар", "Omar"],
    "Рустам": ["Рустем"],
    "Адам": [],
    "Адлан": [],
    "Муслим": [],
    "Ахмед": ["Ахмад", "Ahmad", "Achmed"],
    "Магомед": ["Мухаммад", "Mohammed", "Muhammad", "Мага"],
    "Хасан": ["Hassan"],
    "Хусейн": ["Хусайн", "Hussein"],
    "Али": [],
    "Алихан": [],
    "Анзор": [],
    "Апти": [],
    "Арби": [],
    "Аюб": ["Аюп", "Ayyub"],
    "Беслан": [],
    "Билал": [],
    "Ваха": [],
    "Джабраил": ["Жабраил"],
    "Джохар": [],
    "Идрис": [],
    "Ильяс": [],
    "Иса": ["Исса"],
    "Муса": [],
    "Казбек": [],
    "Лечи": [],
    "Мансур": [],
    "Мурад": ["Мурат"],
    "Расул": [],
    "Саид": ["Сайд"],
    "Сулейман": ["Сулиман", "Suleiman"],
    "Султан": [],
    "Турпал": [],
    "Усман": ["Осман"],
    "Шамиль": [],
    "Юсуп": ["Юсуф", "Yusuf"],
    "Хамид": [],
    "Исмаил": ["Ismail"],
    "Махмуд": ["Mahmoud"],
    "Абдулла": ["Абдула"],
    "Салман": [],
    "Эльдар": [],
    "Супьян": ["Суфьян"],
}
FEMALE: dict[str, list[str]] = {
    "Александра": ["Саша"],
    "Анна": ["Аня"],
    "Елена": ["Лена", "Jelena", "Helena"],
    "Евгения": ["Женя"],
    "Екатерина": ["Катя"],
    "Мария": ["Маша"],
    "Наталья": ["Наташа", "Наталия"],
    "Ольга": ["Оля"],
    "Светлана": ["Света"],
    "Татьяна": ["Таня"],
    "Юлия": ["Юля"],
    "Ирина": ["Ира"],
    "Марина": [],
    "Хава": ["Хьава"],
    "Зарема": [],
    "Зарина": [],
    "Малика": [],
    "Мадина": [],
    "Седа": [],
    "Хеда": [],
    "Амина": ["Аминат"],
    "Айшат": ["Айша"],
    "Зулихан": [],
    "Зульфия": [],
    "Лейла": ["Лейля", "Layla"],
    "Макка": [],
    "Марьям": ["Мариам"],
    "Милана": [],
    "Петимат": ["Патимат"],
    "Раиса": [],
    "Роза": [],
    "Хадижат": ["Хадижа"],
    "Элина": [],
    "Луиза": [],
    "Эльвира": [],
    "Жанна": [],
    "Залина": [],
    "Камила": ["Камилла"],
    "Зайнап": ["Зайнаб"],
    "Альбина": [],
    "Диана": [],
    "Лиана": [],
    "Асет": [],
}
# Given names that look alike but are different names.
CONFUSABLE = [
    ("Ислам", "Аслан"),
    ("Хасан", "Хусейн"),
    ("Адам", "Адлан"),
    ("Али", "Алихан"),
    ("Рамзан", "Руслан"),
    ("Муса", "Иса"),
    ("Идрис", "Ильяс"),
    ("Ибрагим", "Исмаил"),
    ("Магомед", "Махмуд"),
    ("Хамзат", "Хамид"),
    ("Умар", "Усман"),
    ("Саид", "Салех"),
    ("Малика", "Мадина"),
    ("Зарема", "Зарина"),
    ("Седа", "Хеда"),
    ("Элина", "Алина"),
    ("Марина", "Мария"),
    ("Лиана", "Диана"),
    ("Залина", "Зарина"),
    ("Сулейман", "Салман"),
    ("Мурад", "Мансур"),
    ("Беслан", "Аслан"),
]
# Masculine surnames; the feminine form is derived below.
SURNAMES = """Исаев Дудаев Магомадов Хасанов Алиев Умаров Ахмедов Шамаев Кадыров Басаев Масхадов
Сулейманов Джабраилов Мусаев Эльмурзаев Гайрбеков Бисултанов Вагапов Гериханов Дашаев Зубайраев
Ибрагимов Исмаилов Кагерманов Лорсанов Мальсагов Мовсаров Нурадилов Оздоев Саидов Тагиров
Хамзатов Цечоев Чапаев Шахбулатов Эдисултанов Юсупов Ясаев Абубакаров Байсаров Висаитов Газиев
Денильханов Ерзаев Жамалдаев Закриев Ильясов Кулаев Лечиев Мазаев Нахаев Осмаев Пашаев Рашидов
Сатуев Тутаев Увайсов Хадисов Цакаев Чагаев Шерипов Эскиев Янгулбаев Иванов Петров Смирнов
Кузнецов Попов Соколов Лебедев Козлов Новиков Морозов Волков Соловьёв Васильев Зайцев Павлов
Семёнов Голубев Виноградов Богданов Воробьёв Фёдоров Михайлов Беляев Тарасов Белов Комаров
Орлов Киселёв Макаров Андреев Ковалёв Ильин Гусев Титов Кузьмин Кудрявцев Баранов Куликов
Алексеев Степанов Яковлев Сорокин Сергеев Романов Захаров Борисов Королёв Герасимов Пономарёв
Григорьев Лазарев Медведев Ершов Никитин Соболев Рябов Поляков Цветков Данилов Жуков Фролов
Журавлёв Николаев Крылов Максимов Сидоров Осипов Белоусов Федотов Дорофеев Егоров Матвеев
Бобров Дмитриев Калинин Анисимов Петухов Антонов Тимофеев Никифоров Веселов Филиппов Марков
Большаков Суханов Миронов Ширяев Александров Коновалов Шестаков Казаков Ефимов Денисов Громов
Фомин Давыдов Мельников Щербаков Блинов Колесников Карпов Афанасьев Власов Маслов Исаков
Тихонов Аксёнов Гаврилов Родионов Котов Горбунов Кудряшов Быков Зуев Третьяков Савельев Панов
Рыбаков Суворов Абрамов Воронов Мухин Архипов Трофимов Мартынов Емельянов Горшков Чернов
Овчинников Селезнёв Панфилов Копылов Михеев Галкин Назаров Лобанов Лукин Беляков Потапов
Некрасов Хохлов Жданов Наумов Шилов Воронцов Ермаков Дроздов Игнатьев Савин Логинов Сафонов
Капустин Кириллов Моисеев Елисеев Кошелев Костин Горбачёв Орехов Ефремов Исаев Евдокимов
Калашников Кабанов Носков Юдин Кулагин Лапин Прохоров Нестеров Харитонов Агафонов Муравьёв
Ларионов Федосеев Зимин Пахомов Шубин Игнатов Филатов Крюков Рогов Кулаков Терентьев Молчанов
Владимиров Артемьев Гурьев Зиновьев Гришин Кононов Дементьев Ситников Симонов Мишин Фадеев
Комиссаров Мамонтов Носов Гуляев Шаров Устинов Вишняков Евсеев Лаврентьев Брагин Константинов
Корнилов Авдеев Зыков Бирюков Шарапов Никонов Щукин Дьячков Одинцов Сазонов Якушев Красильников
Гордеев Самойлов Князев Беспалов Уваров Шашков Бобылёв Доронин Белозёров Рожков Самсонов
Мясников Лихачёв Буров Сысоев Фомичёв Русаков Стрелков Гущин Тетерин Колобов Субботин Фокин
Блохин Селиверстов Пестов Кондратьев Силин Меркушев Лыткин Туров Ковальский Вишневский
Завадский Красовский Полянский Высоцкий Белецкий Жуковский""".split()

CYR_LOWER = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
VOWELS = "аеёиоуыэюя"


def _table(**overrides: str) -> dict[str, str]:
    base = dict(
        zip(
            CYR_LOWER,
            "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch _ y _ e iu ia".split(),
            strict=True,
        )
    )
    base = {k: ("" if v == "_" else v) for k, v in base.items()}
    base.update(overrides)
    return base


# Each scheme: (letter table, table for е/ё/ю/я at a word start or after a vowel)
SCHEMES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "passport": (_table(ъ="ie"), {}),
    "bgn": (
        _table(ё="yo", й="y", ь="'", ъ='"', ю="yu", я="ya"),
        {"е": "ye", "ё": "yo"},
    ),
    "gost_diacritics": (
        _table(ж="ž", х="h", ц="c", ч="č", ш="š", щ="ŝ", ю="û", я="â", й="j", ь="ʹ", ё="ë", э="è"),
        {},
    ),
    "scholarly": (
        _table(ж="ž", х="x", ц="c", ч="č", ш="š", щ="šč", ю="ju", я="ja", й="j", ь="ʹ", ё="ë"),
        {},
    ),
    "german": (
        _table(
            в="w",
            ж="sch",
            з="s",
            й="j",
            х="ch",
            ц="z",
            ч="tsch",
            ш="sch",
            щ="schtsch",
            ю="ju",
            я="ja",
            ё="jo",
        ),
        {"е": "je"},
    ),
    "french": (
        _table(у="ou", ж="j", ч="tch", ш="ch", щ="chtch", ю="iou", я="ia", й="ï", ё="io"),
        {},
    ),
    "polish": (
        _table(
            в="w", ж="ż", й="j", х="ch", ц="c", ч="cz", ш="sz", щ="szcz", ю="ju", я="ja", ё="jo"
        ),
        {"е": "je"},
    ),
    "informal_h": (_table(х="h", й="y", ё="yo", ю="yu", я="ya", ж="j"), {"е": "ye"}),
}


def render(word: str, scheme: str) -> str:
    table, initial = SCHEMES[scheme]
    out = []
    prev = ""
    for ch in word:
        low = ch.lower()
        if low not in table:
            out.append(ch)
            prev = ""
            continue
        iotated = prev == "" or prev in VOWELS + "ьъ"
        piece = initial.get(low, table[low]) if iotated else table[low]
        if scheme == "french" and low in "еи" and prev == "г":
            piece = "u" + piece  # Evguenii
        if ch != low and piece:
            piece = piece[0].upper() + piece[1:]
        out.append(piece)
        prev = low
    text = "".join(out)
    return text


def feminine(surname: str) -> str:
    if surname.endswith("ский") or surname.endswith("цкий"):
        return surname[:-2] + "ая"
    return surname + "а"


def patronymic(father: str, gender: str) -> str:
    if father[-1] in "йь":
        stem, suffix = father[:-1], "ев"
    elif father[-1] in "аяи":
        stem, suffix = father, "ев"  # Chechen habit: Мусаевич, Исаевич, Аптиевич
        if father[-1] == "а":
            stem = father[:-1] + "а"
    else:
        stem, suffix = father, "ов"
    return stem + suffix + ("ич" if gender == "M" else "на")


def genitive_given(name: str, gender: str) -> str | None:
    if gender == "M":
        if name[-1] in "бвгджзклмнпрстфхцчшщ":
            return name + "а"
        if name[-1] == "й":
            return name[:-1] + "я"
        if name[-1] == "ь":
            return name[:-1] + "я"
        return None
    if name.endswith("ия"):
        return name[:-1] + "и"
    if name[-1] == "а":
        return name[:-1] + ("и" if name[-2] in "гкхжшчщ" else "ы")
    if name[-1] == "я":
        return name[:-1] + "и"
    return None


def genitive_surname(surname: str, gender: str) -> str:
    if surname.endswith("ский") or surname.endswith("цкий"):
        return surname[:-2] + ("ого" if gender == "M" else "ой")
    return surname + ("а" if gender == "M" else "ой")


def instrumental(name: str, surname: str, gender: str) -> tuple[str, str] | None:
    if gender != "M" or name[-1] not in "бвгдзклмнпрстфх":
        return None
    if surname.endswith("ский"):
        return name + "ом", surname[:-2] + "им"
    return name + "ом", surname + "ым"


KEYBOARD_NEIGHBOURS = {
    "a": "sq",
    "e": "wr",
    "i": "uo",
    "o": "ip",
    "u": "yi",
    "s": "ad",
    "n": "bm",
    "m": "n",
    "r": "et",
    "t": "ry",
    "k": "jl",
    "v": "cb",
    "а": "вп",
    "е": "кн",
    "и": "мт",
    "о": "рл",
    "с": "чм",
    "н": "ег",
    "м": "си",
    "р": "ко",
    "т": "иь",
    "в": "ыа",
}


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["delete", "double", "swap", "neighbour"])
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap" and word[i].isalpha() and word[i + 1].isalpha():
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    near = KEYBOARD_NEIGHBOURS.get(word[i].lower())
    if near:
        return word[:i] + rng.choice(near) + word[i + 1 :]
    return word[:i] + word[i + 1 :]


def levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


class Person:
    def __init__(self, rng: random.Random, gender: str | None = None) -> None:
        self.gender = gender or rng.choice("MF")
        names = MALE if self.gender == "M" else FEMALE
        self.given = rng.choice(list(names))
        self.surname = rng.choice(SURNAMES)
        self.father = rng.choice(list(MALE))

    def family(self) -> str:
        return self.surname if self.gender == "M" else feminine(self.surname)

    def variants(self) -> list[str]:
        table = MALE if self.gender == "M" else FEMALE
        return table[self.given]


def compose(
    rng: random.Random,
    given: str,
    family: str,
    patr: str | None,
    scheme: str | None,
) -> str:
    parts_given = [given] + ([patr] if patr else [])
    if scheme:
        given_out = [p if _is_latin(p) else render(p, scheme) for p in parts_given]
        family_out = render(family, scheme)
    else:
        given_out, family_out = parts_given, family
    order = rng.random()
    if order < 0.5:
        return " ".join([family_out, *given_out])
    return " ".join([*given_out, family_out])


def _is_latin(text: str) -> bool:
    return all(ord(ch) < 0x250 for ch in text)


def _maybe_patr(rng: random.Random, person: Person, p: float = 0.5) -> str | None:
    return patronymic(person.father, person.gender) if rng.random() < p else None


def positive(rng: random.Random, person: Person) -> tuple[str, str, str]:
    kind = rng.choice(["scheme", "scheme", "two_schemes", "case", "variant", "typo", "mixed"])
    schemes = list(SCHEMES)
    family = person.family()
    patr = patronymic(person.father, person.gender)
    a = compose(rng, person.given, family, patr if rng.random() < 0.6 else None, None)
    if kind == "scheme":
        b = compose(rng, person.given, family, _maybe_patr(rng, person), rng.choice(schemes))
    elif kind == "two_schemes":
        a = compose(rng, person.given, family, _maybe_patr(rng, person), rng.choice(schemes))
        b = compose(rng, person.given, family, _maybe_patr(rng, person), rng.choice(schemes))
    elif kind == "case":
        gen = genitive_given(person.given, person.gender)
        inst = instrumental(person.given, person.surname, person.gender)
        if inst and rng.random() < 0.3:
            b = f"{inst[1]} {inst[0]}"
        elif gen:
            b = f"{genitive_surname(person.surname, person.gender)} {gen}"
        else:
            b = compose(rng, person.given, family, None, rng.choice(schemes))
        a = compose(
            rng, person.given, family, _maybe_patr(rng, person), rng.choice([None, *schemes])
        )
    elif kind == "variant":
        variants = person.variants()
        given = rng.choice(variants) if variants else person.given
        b = compose(rng, given, family, _maybe_patr(rng, person), rng.choice([None, *schemes]))
    elif kind == "typo":
        b = compose(
            rng, person.given, family, _maybe_patr(rng, person), rng.choice([None, *schemes])
        )
        words = b.split()
        i = rng.randrange(len(words))
        words[i] = typo(rng, words[i])
        b = " ".join(words)
    else:
        variants = person.variants()
        given = rng.choice(variants) if variants and rng.random() < 0.5 else person.given
        a = compose(rng, person.given, family, _maybe_patr(rng, person), rng.choice(schemes))
        b = compose(rng, given, family, None, rng.choice(schemes))
    return a, b, "same:" + kind


def negative(rng: random.Random, person: Person) -> tuple[str, str, str]:
    kind = rng.choice(
        ["relative", "relative", "other_gender", "confusable", "surname", "stranger", "patronymic"]
    )
    schemes = [None, *SCHEMES]
    a = compose(rng, person.given, person.family(), _maybe_patr(rng, person), rng.choice(schemes))
    if kind == "relative":
        other = Person(rng)
        other.surname = person.surname
        if other.given == person.given or person.given in (MALE | FEMALE).get(other.given, []):
            other.given = "Адлан" if person.given != "Адлан" else "Ислам"
            other.gender = "M"
        b = compose(rng, other.given, other.family(), _maybe_patr(rng, other), rng.choice(schemes))
    elif kind == "other_gender":
        pairs = [
            ("Александр", "Александра"),
            ("Евгений", "Евгения"),
            ("Ислам", "Малика"),
            ("Хасан", "Хава"),
        ]
        male, female = rng.choice(pairs)
        surname = person.surname
        a = compose(rng, male, surname, None, rng.choice(schemes))
        b = compose(rng, female, feminine(surname), None, rng.choice(schemes))
    elif kind == "confusable":
        x, y = rng.choice(CONFUSABLE)
        gender = "M" if x in MALE else "F"
        family = person.surname if gender == "M" else feminine(person.surname)
        a = compose(rng, x, family, None, rng.choice(schemes))
        b = compose(rng, y, family, None, rng.choice(schemes))
    elif kind == "surname":
        other = rng.choice(SURNAMES)
        while levenshtein(other, person.surname) < 2:
            other = rng.choice(SURNAMES)
        family = other if person.gender == "M" else feminine(other)
        b = compose(rng, person.given, family, _maybe_patr(rng, person), rng.choice(schemes))
    elif kind == "patronymic":
        father = rng.choice(
            [f for f in MALE if f != person.father and levenshtein(f, person.father) >= 2]
        )
        a = compose(
            rng,
            person.given,
            person.family(),
            patronymic(person.father, person.gender),
            rng.choice(schemes),
        )
        b = compose(
            rng,
            person.given,
            person.family(),
            patronymic(father, person.gender),
            rng.choice(schemes),
        )
    else:
        other = Person(rng)
        b = compose(rng, other.given, other.family(), _maybe_patr(rng, other), rng.choice(schemes))
    return a, b, "different:" + kind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "data" / "name_pairs.tsv"
    )
    parser.add_argument("--n", type=int, default=2400)
    parser.add_argument("--seed", type=int, default=SEED, help="another seed gives a held-out set")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = []
    for i in range(args.n):
        person = Person(rng)
        if i % 2 == 0:
            a, b, kind = positive(rng, person)
            label = 1
        else:
            a, b, kind = negative(rng, person)
            label = 0
        if rng.random() < 0.5:
            a, b = b, a
        rows.append((a, b, label, kind))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        fh.write("name_a\tname_b\tlabel\tkind\n")
        for a, b, label, kind in rows:
            fh.write(f"{a}\t{b}\t{label}\t{kind}\n")
    print(f"wrote {len(rows)} pairs to {args.out}")


if __name__ == "__main__":
    main()

"""Given names: canonical forms, diminutives and cross-language variants (written from general
knowledge of Russian and Chechen naming; no external list was copied).

Each line is ``Canonical: variant, variant, ...``. Variants may be in any script; spellings
that only differ by transliteration scheme need not be listed, because lookup goes through the
phonetic skeleton (see :mod:`translit`). List a spelling only when its *sounds* differ
(Ибрагим/Ibrahim, Магомед/Мухаммад, Юсуп/Юсуф) or it is a hypocoristic (Саша, Лена).

A name belongs to a *group* (its canonical form). Two given names denote the same name when
their groups intersect. Diminutives shared by a male and a female name (Саша, Женя, Валя) sit
in both groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .translit import canonical_latin, fine_skeletons

_MALE = """
Александр: Саша, Шура, Саня, Санёк, Алекс, Alexander, Alex, Aleksander, Alexandre, Sascha
Алексей: Лёша, Алёша, Лёха, Alexei, Alexey, Aleksei, Alexis
Анатолий: Толя, Толик
Андрей: Андрюша, Андрюха, Andrew, Andreas, André
Антон: Антоша, Anthony
Аркадий: Аркаша
Артём: Артем, Тёма, Artyom, Artem
Артур: Arthur
Борис: Боря
Вадим: Вадик
Валентин: Валя
Валерий: Валера
Василий: Вася, Basil
Виктор: Витя, Victor
Виталий: Витя, Виталик
Владимир: Володя, Вова, Вовка, Walter, Wladimir
Владислав: Влад, Владик, Слава
Вячеслав: Слава, Славик
Геннадий: Гена
Георгий: Жора, Гоша, Гога, George, Georg
Глеб: Глебушка
Григорий: Гриша, Grigori, Gregory
Даниил: Данила, Даня, Данияль, Даниял, Daniel
Денис: Дениска, Denis
Дмитрий: Дима, Митя, Dmitri, Dimitri
Евгений: Женя, Eugene, Jewgeni
Егор: Егорка
Иван: Ваня, Ivan
Игорь: Игорёк, Igor
Илья: Ильюша, Elijah
Кирилл: Cyril
Константин: Костя, Constantine, Konstantin
Лев: Лёва, Leo
Леонид: Лёня
Максим: Макс, Maxim, Maksim
Марк: Марик
Матвей: Мотя, Matthew
Михаил: Миша, Мишаня, Michael, Michail
Никита: Никитка
Николай: Коля, Nicholas, Nikolai, Nicolas
Олег: Олежка
Павел: Паша, Павлик, Paul
Пётр: Петя, Петр, Peter, Pyotr, Piotr
Роман: Рома, Ромка
Семён: Сеня, Семен
Сергей: Серёжа, Серёга, Sergei, Sergey
Станислав: Стас, Слава
Степан: Стёпа, Stephen, Stefan
Тимофей: Тима
Фёдор: Федя, Федор, Theodore
Юрий: Юра, Yuri, Juri
Ярослав: Ярик, Слава
Эдуард: Эдик, Edward
Яков: Яша, Jacob
Захар: Захарка
Ахмед: Ахмедик, Ахмад, Ахмат, Ахмет, Ахьмад, Akhmed, Ahmed, Ahmad, Achmed
Магомед: Мага, Маго, Магомедик, Магомет, Мухаммад, Мухаммед, Мохаммед, Мухамед, Мохмад, Мохьмад, Магамед, Muhammad, Mohammed, Mohammad, Mohamed, Muhammed, Mahomed, Mehmed
Зелимхан: Зелим, Зелик, Zelimkhan, Selimchan
Хамзат: Хамза, Hamza
Ислам: Islam
Салех: Салих, Салҳ, Saleh, Salih
Салах: Салахь, Salah
Рамзан: Рамазан, Рамзик, Ramadan
Мовсар: Мовса
Ибрагим: Ибра, Ибрахим, Абрахам, Ibrahim, Ebrahim
Аслан: Aslan
Умар: Омар, Умарали, Umar, Omar, Omer
Рустам: Рустем, Rostam
Адам: Adam
Адлан: Adlan
Муслим: Muslim
Хасан: Hasan, Hassan
Хусейн: Хусайн, Гусейн, Хусен, Husein, Hussein, Husayn, Huseyn
Али: Алий, Ali
Алихан: Alikhan
Абдулла: Абдула, Абдулах, Abdullah
Абубакар: Абу-Бакар, Абубакр, Абу, Abubakar, Abu-Bakr
Анзор: Anzor
Апти: Apti
Арби: Arbi
Ахъяд: Ахьяд, Ахяд
Аюб: Аюп, Айюб, Ayub, Ayyub, Eyub
Байсангур: Baysangur
Бислан: Bislan
Беслан: Beslan
Билал: Bilal
Ваха: Vakha
Висита: Visita
Джабраил: Джебраил, Жабраил, Джабраиль, Jabrail, Jibril, Gabriel
Джохар: Жохар, Dzhokhar
Дауд: Давуд, Dawud, Daoud
Давид: David
Докка: Доку, Dokka
Дени: Deni
Идрис: Idris
Ильяс: Элияс, Ilyas
Имран: Imran
Иса: Исса, Isa, Issa
Казбек: Kazbek
Касум: Касым, Кассим, Kasim, Qasim
Лечи: Леча, Lechi
Мансур: Mansur
Масуд: Mas'ud
Махмуд: Махмут, Mahmud, Mahmoud
Мурад: Мурат, Murad, Murat
Муса: Moussa, Moses
Мустафа: Mustafa
Нурди: Nurdi
Нурдин: Нурутдин, Нуруддин
Расул: Rasul
Ризван: Ридван, Rizvan, Ridwan
Руслан: Руся, Ruslan
Саид: Сайд, Саъид, Said, Sayid, Sayed
Сайфуддин: Сайпуддин, Сайфудин, Сайпудин
Салман: Salman
Супьян: Суфьян, Суфиян, Sufyan
Сулейман: Сулиман, Сулайман, Солейман, Suleiman, Sulayman, Solomon
Султан: Sultan
Тамерлан: Тамирлан, Тимерлан
Тимур: Тимурчик, Timur
Турпал: Turpal
Усман: Осман, Usman, Osman
Хаваж: Хаважи
Хизир: Хизр, Khizir
Шамиль: Shamil, Chamil
Шамсуддин: Шамсудин
Эльдар: Eldar
Эмин: Emin
Юнус: Yunus, Jonah
Юсуп: Юсуф, Yusuf, Yussuf, Joseph, Iosif, Иосиф
Якуб: Yakub, Yaqub
Яраги: Yaragi
Ясин: Yasin
Зайнди: Зайндин
Зубайр: Зубаир, Zubair
Зияудин: Зияуддин, Ziyaudin
Лом-Али: Ломали
Мовлади: Мовла
Муртаз: Муртазали
Насрудин: Насруддин, Nasruddin
Саламбек: Salambek
Сайхан: Saykhan
Увайс: Uvais, Uwais
Ширвани: Shirvani
Эдильбек: Edilbek
Абдурахман: Абдурахим, Abdurakhman
Абдул: Abdul
Алви: Alvi
Алаудин: Алавдин, Алауддин
Амир: Amir
Арсен: Arsen
Аслудин: Аслуддин
Асхаб: Askhab
Бекхан: Бек, Bekkhan
Вахид: Vahid
Гелани: Gelani
Дукваха: Dukvakha
Ильман: Ilman
Исмаил: Исмаиль, Ismail, Ismael
Малик: Malik
Магомед-Эми: Магомедэми
Магомедсалах: Магомед-Салах
Микаил: Микаиль, Mikail
Мохьмад-Эми: Мохмад-Эми
Муса-Хаджи: Мусахаджи
Нохчо: Nokhcho
Олхазар: Olkhazar
Рамзес: Ramses
Рахман: Rakhman
Сайд-Ахмед: Сайдахмед
Сайд-Магомед: Сайдмагомед
Сиражди: Sirazhdi
Тагир: Тахир, Tahir
Тимурлан: Timurlan
Усам: Usam
Фарид: Farid
Хаджимурат: Хаджи-Мурат, Hadji-Murat
Хамид: Hamid
Хож-Ахмед: Хожахмед
Шарани: Sharani
Эльбрус: Elbrus
Эмиль: Emil
Юсуп-Хаджи: Юсупхаджи
Ахмад-Хаджи: Ахмадхаджи
Зелимхан-Хаджи: Зелимханхаджи
Абу-Муслим: Абумуслим
Адлан-Хаджи: Адланхаджи
"""

_FEMALE = """
Александра: Саша, Шура, Саня, Alexandra, Sasha
Алёна: Алена, Alyona
Алина: Alina
Алла: Alla
Анастасия: Настя, Ася, Anastasia
Ангелина: Геля, Angelina
Анна: Аня, Анечка, Ann, Anne
Антонина: Тоня
Валентина: Валя
Валерия: Лера
Вера: Верочка
Вероника: Ника
Виктория: Вика, Victoria
Галина: Галя
Дарья: Даша, Darya, Daria
Диана: Diana
Евгения: Женя, Eugenia
Екатерина: Катя, Катюша, Katherine, Catherine, Katharina, Ekaterina
Елена: Лена, Helen, Helena, Elena
Елизавета: Лиза, Elizabeth, Elisabeth
Зинаида: Зина
Зоя: Zoya
Инна: Inna
Ирина: Ира, Irina
Карина: Karina
Кристина: Кристя, Christina
Ксения: Ксюша, Ксеня, Ksenia
Лариса: Лара
Лидия: Лида, Lydia
Любовь: Люба
Людмила: Люда, Мила
Маргарита: Рита, Margarita
Марина: Marina
Мария: Маша, Маруся, Maria, Mary, Marie
Надежда: Надя
Наталья: Наталия, Наташа, Natalia, Natalie
Нина: Nina
Оксана: Ксюша
Ольга: Оля, Olga
Полина: Поля
Светлана: Света, Svetlana
Софья: София, Соня, Sofia, Sophia
Таисия: Тая
Тамара: Тома, Tamara
Татьяна: Таня, Tatiana
Ульяна: Уля
Юлия: Юля, Julia, Yulia
Яна: Yana
Хава: Хьава, Hawa
Зарема: Zarema
Малика: Malika
Седа: Seda
Мадина: Madina
Амина: Аминат, Amina
Айшат: Айша, Аишат, Аиша, Aisha, Aishat
Асет: Асият, Aset
Бирлант: Birlant
Зелиха: Zelikha
Жанна: Janna, Zhanna
Залина: Zalina
Зулихан: Zulikhan
Зульфия: Zulfiya
Камила: Камилла, Kamila
Кока: Koka
Лейла: Лайла, Лейля, Leila, Layla
Макка: Мекка, Makka
Марьям: Мариам, Марем, Мерьем, Maryam, Miriam
Милана: Milana
Петимат: Патимат, Фатима, Фатимат, Fatima, Patimat
Раиса: Raisa
Роза: Roza
Сацита: Satsita
Хадижат: Хадиджа, Хадижа, Khadija
Элина: Elina
Эльза: Elza
Яха: Yakha
Хеда: Kheda
Зайнап: Зайнаб, Зейнаб, Зайнаб, Zainab, Zaynab
Зухра: Zuhra
Лиана: Liana
Медни: Medni
Марха: Markha
Аза: Aza
Азиза: Aziza
Альбина: Albina
Асма: Asma
Лаура: Laura
Нурия: Нурия, Nuria
Иман: Iman
Хазан: Khazan
Табарик: Tabarik
Луиза: Louise
Раяна: Rayana
Эльвира: Elvira
Эльмира: Elmira
Айна: Aina
Аминта: Aminta
Бэла: Бела, Bella
Деши: Deshi
Зарина: Zarina
Иса-Хава: Исахава
Кесира: Kesira
Лидия-Хава: Лидахава
Мата: Mata
Муъминат: Муминат, Muminat
Нурседа: Nurseda
Петта: Petta
Раиса-Хава: Раисахава
Сапият: Sapiyat
Танзила: Tanzila
Хамсат: Khamsat
Хьава-Хаджи: Хавахаджи
Шовда: Shovda
Эсет: Eset
Ясмина: Yasmina
Алия: Aliya
Диля: Dilya
Эмма: Emma
Сабина: Sabina
Индира: Indira
Джамиля: Жамиля, Jamila
Фариза: Fariza
Рукият: Rukiyat
"""


@dataclass(frozen=True)
class GivenName:
    group: str  # canonical form in canonical Latin, e.g. "aleksandr"
    canonical: str  # canonical Cyrillic form, e.g. "Александр"
    gender: str  # "M" or "F"


def _parse(table: str, gender: str) -> list[tuple[GivenName, list[str]]]:
    entries = []
    for line in table.strip().splitlines():
        head, _, rest = line.partition(":")
        canonical = head.strip()
        forms = [canonical] + [v.strip() for v in rest.split(",") if v.strip()]
        entries.append((GivenName(canonical_latin(canonical), canonical, gender), forms))
    return entries


@lru_cache(maxsize=1)
def _index() -> dict[str, frozenset[GivenName]]:
    index: dict[str, set[GivenName]] = {}
    for entry, forms in _parse(_MALE, "M") + _parse(_FEMALE, "F"):
        for form in forms:
            for skel in fine_skeletons(form.replace("-", "")):
                index.setdefault(skel, set()).add(entry)
    return {skel: frozenset(names) for skel, names in index.items()}


def _exact_form(word: str) -> str:
    return word.lower().replace("ё", "е").replace("-", "")


@lru_cache(maxsize=1)
def _exact_index() -> dict[str, frozenset[GivenName]]:
    index: dict[str, set[GivenName]] = {}
    for entry, forms in _parse(_MALE, "M") + _parse(_FEMALE, "F"):
        for form in forms:
            index.setdefault(_exact_form(form), set()).add(entry)
    return {form: frozenset(names) for form, names in index.items()}


def exact_given_name(word: str) -> frozenset[GivenName]:
    """Groups whose listed spelling is exactly this word (case and ё/е aside). A Cyrillic
    spelling match beats a skeleton match: Шамиля is the genitive of Шамиль, not Джамиля."""
    return _exact_index().get(_exact_form(word), frozenset())


def given_names() -> list[GivenName]:
    """Every canonical given name in the tables (used by tests and benchmarks)."""
    return sorted({n for names in _index().values() for n in names}, key=lambda n: n.group)


def given_name_variants() -> list[str]:
    """Every spelling the tables list, canonical forms and variants alike."""
    return [form for _, forms in _parse(_MALE, "M") + _parse(_FEMALE, "F") for form in forms]


def lookup_given_name(token: str) -> frozenset[GivenName]:
    """Given-name groups this token (in any script or scheme) can denote; empty if unknown."""
    index = _index()
    found: set[GivenName] = set()
    for skel in fine_skeletons(token):
        found |= index.get(skel, frozenset())
    return frozenset(found)


def lookup_fine_skeleton(skeleton: str) -> frozenset[GivenName]:
    return _index().get(skeleton, frozenset())


# Affectionate suffixes, in the vowel-keeping skeleton's alphabet (ч and ш are "X", я after a
# consonant "ia"): Салик, Лейлочка, Мадинка, Ислаша. Longest first.
_AFFECTIONATE_SUFFIXES = (
    "iXka", "oXka", "eXka", "Xik", "ik", "ka", "ulia", "usia", "uXa", "ia", "a", "o",
)  # fmt: skip


def is_affectionate_skeleton(short: str, full: str) -> bool:
    """Whether the fine skeleton ``short`` is the head of ``full`` plus an affectionate suffix.

    The head must be a real head of the full name, at least three letters and at least half
    of it, so that "Мак" never becomes a diminutive of "Магомед"."""
    if short == full:
        return False
    for suffix in _AFFECTIONATE_SUFFIXES:
        if short.endswith(suffix):
            stem = short[: -len(suffix)]
            # The full name must go on past the head: "Vakha" is no pet form of "Watch".
            if (
                len(stem) >= 3
                and len(full) > len(stem)
                and full.startswith(stem)
                and 2 * len(stem) >= len(full) - 1
            ):
                return True
    return False

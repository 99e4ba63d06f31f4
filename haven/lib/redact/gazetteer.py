"""Word lists the engine needs: places above town level, given names, titles, English function
words. Lists only: how a word of the text is compared with them (skeletons, case endings,
diminutives) is the names library's (`haven.lib.names.word_keys`).

Given names for Latin-script text are derived at run time from natasha's own name dictionary
(`natasha/data/dict/first.txt`, MIT licence) and the names library's tables, folded to the
names library's skeletons, so that "Zelimkhan" and "Khadizhat" are recognised without a second
list. The lists below are hand-written.
"""

from __future__ import annotations

import functools
from pathlib import Path

from haven.lib.names import word_keys
from haven.lib.names.diminutives import given_name_variants
from haven.lib.names.translit import fine_skeletons

# Places kept by default. Level: "country" and "region" are kept even with redact_places=True;
# "city" is redacted then. Each entry lists the Russian and any English exonym that a skeleton
# of the Russian would not reach (Москва/Moscow); plain transliterations (Грозный/Grozny) match
# by skeleton already.
_PLACES: tuple[tuple[str, str], ...] = (
    # countries and blocs
    ("country", "Россия|Russia|Российская Федерация|Russian Federation|РФ"),
    ("country", "Германия|Germany"), ("country", "Франция|France"), ("country", "Австрия|Austria"),
    ("country", "Бельгия|Belgium"), ("country", "Нидерланды|Netherlands|Голландия|Holland"),
    ("country", "Норвегия|Norway"), ("country", "Швеция|Sweden"), ("country", "Финляндия|Finland"),
    ("country", "Дания|Denmark"), ("country", "Польша|Poland"), ("country", "Литва|Lithuania"),
    ("country", "Латвия|Latvia"), ("country", "Эстония|Estonia"), ("country", "Грузия|Georgia"),
    ("country", "Армения|Armenia"), ("country", "Азербайджан|Azerbaijan"),
    ("country", "Турция|Turkey|Türkiye"), ("country", "Украина|Ukraine"),
    ("country", "Беларусь|Belarus|Белоруссия"), ("country", "Казахстан|Kazakhstan"),
    ("country", "Кыргызстан|Kyrgyzstan|Киргизия"), ("country", "Узбекистан|Uzbekistan"),
    ("country", "Канада|Canada"), ("country", "США|USA|United States|Америка|America"),
    ("country", "Великобритания|United Kingdom|Britain|UK|Англия|England"),
    ("country", "Ирландия|Ireland"), ("country", "Италия|Italy"), ("country", "Испания|Spain"),
    ("country", "Португалия|Portugal"), ("country", "Швейцария|Switzerland"),
    ("country", "Чехия|Czechia|Czech Republic"), ("country", "Израиль|Israel"),
    ("country", "ОАЭ|UAE|Emirates"), ("country", "Египет|Egypt"), ("country", "Сербия|Serbia"),
    ("country", "Черногория|Montenegro"), ("country", "Молдова|Moldova"),
    ("country", "Исландия|Iceland"), ("country", "Австралия|Australia"),
    ("country", "Аргентина|Argentina"), ("country", "Европа|Europe|Евросоюз|EU|ЕС"),
    ("country", "Сирия|Syria"), ("country", "Иран|Iran"), ("country", "Ирак|Iraq"),
    # regions of Russia that recur in these cases
    ("region", "Чечня|Chechnya|Чеченская Республика|Chechen Republic|Ичкерия|Ichkeria"),
    ("region", "Ингушетия|Ingushetia"), ("region", "Дагестан|Dagestan|Daghestan"),
    ("region", "Северная Осетия|North Ossetia|Осетия|Ossetia"),
    ("region", "Кабардино-Балкария|Kabardino-Balkaria"), ("region", "Кавказ|Caucasus"),
    ("region", "Северный Кавказ|North Caucasus"), ("region", "Ставрополье|Stavropol Krai"),
    ("region", "Краснодарский край|Krasnodar Krai|Кубань|Kuban"),
    ("region", "Московская область|Moscow Oblast|Подмосковье"),
    ("region", "Ленинградская область|Leningrad Oblast"), ("region", "Сибирь|Siberia"),
    ("region", "Урал|Urals"), ("region", "Татарстан|Tatarstan"), ("region", "Крым|Crimea"),
    ("region", "Карачаево-Черкесия|Karachay-Cherkessia"), ("region", "Калмыкия|Kalmykia"),
    # cities: Chechnya and neighbours, then the routes out
    ("city", "Грозный"), ("city", "Аргун"), ("city", "Гудермес"), ("city", "Шали"),
    ("city", "Урус-Мартан"), ("city", "Ачхой-Мартан"), ("city", "Курчалой"),
    ("city", "Ведено"), ("city", "Наурская"), ("city", "Назрань"), ("city", "Магас"),
    ("city", "Малгобек"), ("city", "Карабулак"), ("city", "Сунжа"), ("city", "Махачкала"),
    ("city", "Хасавюрт"), ("city", "Дербент"), ("city", "Каспийск"), ("city", "Кизляр"),
    ("city", "Владикавказ"), ("city", "Нальчик"), ("city", "Ставрополь"), ("city", "Пятигорск"),
    ("city", "Минеральные Воды|Mineralnye Vody|Минводы"), ("city", "Моздок"),
    ("city", "Москва|Moscow"), ("city", "Санкт-Петербург|Saint Petersburg|St Petersburg|Петербург|Питер|Petersburg"),
    ("city", "Ростов-на-Дону|Rostov-on-Don|Ростов"), ("city", "Краснодар"), ("city", "Сочи"),
    ("city", "Волгоград"), ("city", "Астрахань"), ("city", "Казань"), ("city", "Нижний Новгород|Nizhny Novgorod"),
    ("city", "Екатеринбург"), ("city", "Новосибирск"), ("city", "Самара"), ("city", "Воронеж"),
    ("city", "Калининград"), ("city", "Тверь"), ("city", "Ярославль"), ("city", "Тула"),
    ("city", "Берлин"), ("city", "Париж|Paris"), ("city", "Вена|Vienna"), ("city", "Вильнюс"),
    ("city", "Рига"), ("city", "Таллин|Tallinn"), ("city", "Тбилиси"), ("city", "Батуми"),
    ("city", "Ереван|Yerevan"), ("city", "Баку"), ("city", "Стамбул|Istanbul"), ("city", "Анкара"),
    ("city", "Киев|Kyiv|Kiev"), ("city", "Минск"), ("city", "Варшава|Warsaw"), ("city", "Прага|Prague"),
    ("city", "Амстердам"), ("city", "Брюссель|Brussels"), ("city", "Лондон|London"),
    ("city", "Осло"), ("city", "Стокгольм"), ("city", "Хельсинки"), ("city", "Копенгаген|Copenhagen"),
    ("city", "Гамбург|Hamburg"), ("city", "Мюнхен|Munich"), ("city", "Страсбург|Strasbourg"),
    ("city", "Гаага|The Hague|Hague"), ("city", "Женева|Geneva"), ("city", "Торонто"),
    ("city", "Монреаль|Montreal"), ("city", "Ванкувер|Vancouver"), ("city", "Нью-Йорк|New York"),
    ("city", "Алматы"), ("city", "Бишкек"), ("city", "Ташкент"), ("city", "Дубай|Dubai"),
    ("city", "Лиссабон|Lisbon"), ("city", "Мадрид"), ("city", "Рим|Rome"),
)  # fmt: skip

LEVEL_RANK = {"city": 1, "region": 2, "country": 3}


def place_keys(word: str) -> frozenset[str]:
    """The names library's skeleton keys of a word and its case forms, plus its bare skeletons
    of any length (РФ, UK). Given-name groups are left out: "Russia" reads as Руся, a
    diminutive of Руслан, and would make every Ruslan a country."""
    keys = {k for k in word_keys(word) if not k.startswith("g:")}
    return frozenset(keys) | frozenset(fine_skeletons(word))


def _key_seq(name: str) -> tuple[frozenset[str], ...]:
    words = [w for w in name.replace("-", " - ").split() if w != "-"]
    return tuple(place_keys(w) for w in words)


@functools.lru_cache(maxsize=1)
def place_index() -> dict[str, list[tuple[tuple[frozenset[str], ...], str]]]:
    """First-word skeleton key -> [(keys of each word, level)]."""
    index: dict[str, list[tuple[tuple[frozenset[str], ...], str]]] = {}
    for level, names in _PLACES:
        for name in names.split("|"):
            seq = _key_seq(name)
            if not seq:
                continue
            for key in seq[0]:
                index.setdefault(key, []).append((seq, level))
    return index


def place_level(words: list[str]) -> tuple[int, str] | None:
    """If `words` starts with a known place, how many words it takes and the place's level."""
    if not words:
        return None
    first = place_keys(words[0])
    best: tuple[int, str] | None = None
    for key in first:
        for seq, level in place_index().get(key, ()):
            if len(seq) > len(words):
                continue
            if all(place_keys(w) & k for w, k in zip(words, seq, strict=False)):
                if best is None or len(seq) > best[0]:
                    best = (len(seq), level)
    return best


# Chechen and Ingush given names in common Latin renderings that natasha's list may lack, and
# English names of people who appear in testimony (relatives abroad, volunteers).
_EXTRA_GIVEN = """
Zelimkhan Zelim Magomed Mohammed Muhammad Akhmed Ahmed Akhmad Ahmad Ibragim Ibrahim Islam Ruslan
Khava Kheda Heda Zarema Madina Malika Aminat Amina Khadizhat Khadijat Seda Luiza Petimat Movsar
Apti Aslan Bislan Dzhokhar Vakha Umar Said Lechi Ilyas Yusup Yusuf Khamzat Adam Rustam Timur
Shamil Beslan Alikhan Abdul Turpal Khasan Hasan Khusein Hussein Usman Aslanbek Salekh Saleh
Zaur Anzor Arbi Aslambek Batyr Bekkhan Deni Eldar Elvira Elza Fatima Iman Isa Kazbek Lema
Leyla Leila Liana Milana Mansur Markha Movladi Musa Raisa Ramzan Rizvan Said-Akhmed Sultan
Tamerlan Tamara Umalat Visita Yakub Zaira Zainap Zalina Zaurbek Aishat Aset Baudin Dagun
Emin Khizir Shamkhan Sulumbek Usam Vaha Yasmina Ayub Abubakar Abdurakhman Magomed-Emi
John James Michael David Daniel Sarah Anna Maria Emma Laura Peter Thomas Paul
"""

# Capitalised English words that collide with names or that begin sentences. Function words,
# calendar words and institution words: none of them is ever a private person's name here.
ENGLISH_STOPWORDS = frozenset(
    """
a an the i me my mine we us our you your he him his she her they them their it its this that
these those there here then when where while what who whom whose which why how if but and or
nor so yet for of in on at by to from with without into onto over under after before during
since until about above below between among through against across along around near off out
up down as than too very also only just even still already again once never always often
sometimes maybe perhaps please yes no not do does did done have has had be been being is am
are was were will would shall should can could may might must let one two three four five six
seven eight nine ten first second third last next another other some any all each every both
few many much more most several such same own mr mrs ms dr sir madam god allah lord prophet
monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december today tomorrow yesterday morning evening night
police officers officer security service services ministry interior court prosecutor judge
lawyer law article case story statement testimony witness victim survivor family mother father
brother sister uncle aunt cousin son daughter wife husband friend friends neighbour neighbours
men man women woman people person boy girl children child everyone someone nobody nothing
telegram whatsapp instagram signal facebook vk viber youtube tiktok internet phone phones
russian chechen ingush english german french muslim islamic christian lgbt gay lesbian
bisexual trans queer network memorial amnesty human rights watch un osce echr eu fsb mvd
ok okay hello dear note interviewer interview translator translation q a answer question
street avenue road lane square district village city town region republic country
he's she's i'm i'd i'll we're they're it's don't didn't can't won't wasn't weren't
""".split()
)

# Words before a capitalised word that mark it as a person's name.
PERSON_CUES = frozenset(
    """
mr mrs ms miss uncle aunt auntie brother sister cousin nephew niece friend boyfriend girlfriend
partner neighbour neighbor named called nicknamed son daughter husband wife mother father
дядя тётя тетя брат сестра двоюродный двоюродная друг подруга парень сосед соседка зовут звали
по имени муж жена сын дочь племянник племянница
""".split()
)

SETTLEMENT_WORDS_RU = (
    r"сел[оаеуом]{0,2}|с\.|пос[её]л\w*|пос\.|п\.|деревн\w*|дер\.|хутор\w*|аул\w*|станиц\w*|"
    r"микрорайон\w*|мкр\.?|квартал\w*"
)
SETTLEMENT_WORDS_EN = (
    r"village|settlement|hamlet|stanitsa|aul|khutor|microdistrict|neighbourhood|neighborhood|"
    r"quarter|district"
)


@functools.lru_cache(maxsize=1)
def given_name_keys() -> frozenset[str]:
    """Skeletons of given names: natasha's dictionary, the names library's tables and the
    Latin list above."""
    import natasha.data as nd

    words: list[str] = []
    path = Path(nd.FIRST)
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if len(word) >= 3:
            words.append(word)
    words += _EXTRA_GIVEN.split()
    words += given_name_variants()
    keys = {k for w in words for k in fine_skeletons(w)}
    # Keys that are also ordinary English words would turn every sentence into a name.
    keys -= {k for w in ENGLISH_STOPWORDS for k in fine_skeletons(w)}
    return frozenset(k for k in keys if len(k) >= 3)


def is_given_name(word: str) -> bool:
    """Whether a word is, or is a case form of, a given name on one of the lists."""
    return bool(word_keys(word) & given_name_keys())


# Titles and roles that stand before a name ("Foreign Minister Sergei Lavrov", «президенту
# Владимиру Путину», "полковник Иванов"). A title is never part of the name: it is neither
# redacted nor allowed to hide the public figure after it, and it marks the next capitalised
# word as a person. Russian entries are dictionary forms (matched through pymorphy3's lemma).
# Words that are also surnames (King, Prince) are left out on purpose: a title left in the
# text is harmless, a surname left in is not.
TITLES_EN = frozenset(
    """
president vice prime minister deputy foreign interior defence defense justice affairs head
leader chairman chairwoman chair speaker governor mayor senator ambassador envoy ombudsman
ombudswoman commissioner commander colonel lieutenant captain sergeant major general chief
director secretary spokesman spokeswoman spokesperson press journalist reporter editor
correspondent activist mufti imam sheikh patriarch chancellor premier gen col maj lt capt sgt
prof professor mp
""".split()
)
TITLES_RU = frozenset(
    """
президент вице-президент премьер премьер-министр министр замминистра заместитель глава
руководитель председатель спикер губернатор мэр сенатор депутат посол омбудсмен омбудсман
уполномоченный командир командующий полковник подполковник генерал майор лейтенант капитан
сержант прапорщик начальник директор секретарь пресс-секретарь журналист журналистка
корреспондент редактор активист активистка муфтий имам шейх патриарх помощник советник
""".split()
)

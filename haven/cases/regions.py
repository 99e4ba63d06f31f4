"""The closed list of regions of origin: the only place a case's origin is stored in the clear.

Statistics need a region, and a region typed freely is free text: "Grozny, Staropromyslovsky
district" in a plaintext column tells a seizer where a person's family lives. So the column holds
one of these codes only (ISO 3166-2:RU for the 83 federal subjects, plus a few of our own), and
anything more precise goes into the case's sealed `region_detail`.

Crimea and the occupied regions of Ukraine are listed on their own, under neutral names, and not
as federal subjects: people from there reach the network too, and the figures must not take a
side on the border. Codes are stable; labels are translated (cases catalogue).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

# (code, label, other exact spellings seen in free text). Labels are the common English name
# and are translated to the official Russian name in the catalogue.
_SUBJECTS: tuple[tuple[str, object, tuple[str, ...]], ...] = (
    # republics
    ("RU-AD", _("Adygea"), ("Адыгея",)),
    ("RU-AL", _("Altai Republic"), ()),
    ("RU-BA", _("Bashkortostan"), ("Башкирия", "Башкортостан")),
    ("RU-BU", _("Buryatia"), ("Бурятия",)),
    ("RU-CE", _("Chechnya"), ("Чечня", "Chechen Republic", "Ичкерия")),
    ("RU-CU", _("Chuvashia"), ("Чувашия",)),
    ("RU-DA", _("Dagestan"), ("Дагестан", "Daghestan")),
    ("RU-IN", _("Ingushetia"), ("Ингушетия",)),
    ("RU-KB", _("Kabardino-Balkaria"), ("Кабардино-Балкария",)),
    ("RU-KL", _("Kalmykia"), ("Калмыкия",)),
    ("RU-KC", _("Karachay-Cherkessia"), ("Карачаево-Черкесия",)),
    ("RU-KR", _("Karelia"), ("Карелия",)),
    ("RU-KK", _("Khakassia"), ("Хакасия",)),
    ("RU-KO", _("Komi Republic"), ("Коми", "Komi")),
    ("RU-ME", _("Mari El"), ("Марий Эл",)),
    ("RU-MO", _("Mordovia"), ("Мордовия",)),
    ("RU-SA", _("Sakha (Yakutia)"), ("Якутия", "Yakutia", "Sakha")),
    ("RU-SE", _("North Ossetia–Alania"), ("Северная Осетия", "North Ossetia")),
    ("RU-TA", _("Tatarstan"), ("Татарстан",)),
    ("RU-TY", _("Tuva"), ("Тыва", "Тува")),
    ("RU-UD", _("Udmurtia"), ("Удмуртия",)),
    # krais
    ("RU-ALT", _("Altai Krai"), ()),
    ("RU-KAM", _("Kamchatka Krai"), ()),
    ("RU-KHA", _("Khabarovsk Krai"), ()),
    ("RU-KDA", _("Krasnodar Krai"), ("Кубань",)),
    ("RU-KYA", _("Krasnoyarsk Krai"), ()),
    ("RU-PER", _("Perm Krai"), ()),
    ("RU-PRI", _("Primorsky Krai"), ("Приморье",)),
    ("RU-STA", _("Stavropol Krai"), ("Ставрополье",)),
    ("RU-ZAB", _("Zabaykalsky Krai"), ()),
    # oblasts
    ("RU-AMU", _("Amur Oblast"), ()),
    ("RU-ARK", _("Arkhangelsk Oblast"), ()),
    ("RU-AST", _("Astrakhan Oblast"), ()),
    ("RU-BEL", _("Belgorod Oblast"), ()),
    ("RU-BRY", _("Bryansk Oblast"), ()),
    ("RU-CHE", _("Chelyabinsk Oblast"), ()),
    ("RU-IRK", _("Irkutsk Oblast"), ()),
    ("RU-IVA", _("Ivanovo Oblast"), ()),
    ("RU-KGD", _("Kaliningrad Oblast"), ()),
    ("RU-KLU", _("Kaluga Oblast"), ()),
    ("RU-KEM", _("Kemerovo Oblast"), ("Кузбасс", "Kuzbass")),
    ("RU-KIR", _("Kirov Oblast"), ()),
    ("RU-KOS", _("Kostroma Oblast"), ()),
    ("RU-KGN", _("Kurgan Oblast"), ()),
    ("RU-KRS", _("Kursk Oblast"), ()),
    ("RU-LEN", _("Leningrad Oblast"), ()),
    ("RU-LIP", _("Lipetsk Oblast"), ()),
    ("RU-MAG", _("Magadan Oblast"), ()),
    ("RU-MOS", _("Moscow Oblast"), ("Подмосковье",)),
    ("RU-MUR", _("Murmansk Oblast"), ()),
    ("RU-NIZ", _("Nizhny Novgorod Oblast"), ()),
    ("RU-NGR", _("Novgorod Oblast"), ()),
    ("RU-NVS", _("Novosibirsk Oblast"), ()),
    ("RU-OMS", _("Omsk Oblast"), ()),
    ("RU-ORE", _("Orenburg Oblast"), ()),
    ("RU-ORL", _("Oryol Oblast"), ()),
    ("RU-PNZ", _("Penza Oblast"), ()),
    ("RU-PSK", _("Pskov Oblast"), ()),
    ("RU-ROS", _("Rostov Oblast"), ()),
    ("RU-RYA", _("Ryazan Oblast"), ()),
    ("RU-SAK", _("Sakhalin Oblast"), ()),
    ("RU-SAM", _("Samara Oblast"), ()),
    ("RU-SAR", _("Saratov Oblast"), ()),
    ("RU-SMO", _("Smolensk Oblast"), ()),
    ("RU-SVE", _("Sverdlovsk Oblast"), ()),
    ("RU-TAM", _("Tambov Oblast"), ()),
    ("RU-TOM", _("Tomsk Oblast"), ()),
    ("RU-TUL", _("Tula Oblast"), ()),
    ("RU-TVE", _("Tver Oblast"), ()),
    ("RU-TYU", _("Tyumen Oblast"), ()),
    ("RU-ULY", _("Ulyanovsk Oblast"), ()),
    ("RU-VLA", _("Vladimir Oblast"), ()),
    ("RU-VGG", _("Volgograd Oblast"), ()),
    ("RU-VLG", _("Vologda Oblast"), ()),
    ("RU-VOR", _("Voronezh Oblast"), ()),
    ("RU-YAR", _("Yaroslavl Oblast"), ()),
    # federal cities, the autonomous oblast and okrugs
    ("RU-MOW", _("Moscow"), ("Москва",)),
    ("RU-SPE", _("Saint Petersburg"), ("Санкт-Петербург", "St Petersburg", "Петербург")),
    ("RU-YEV", _("Jewish Autonomous Oblast"), ()),
    ("RU-CHU", _("Chukotka"), ("Чукотка",)),
    ("RU-KHM", _("Khanty-Mansi Autonomous Okrug – Yugra"), ("Югра", "Yugra")),
    ("RU-NEN", _("Nenets Autonomous Okrug"), ()),
    ("RU-YAN", _("Yamalo-Nenets Autonomous Okrug"), ("Ямал", "Yamal")),
)

CRIMEA = "crimea"
OCCUPIED_UKRAINE = "occupied-ua"
ABROAD = "abroad"
OTHER = "other"
UNKNOWN = "unknown"

_OTHERS: tuple[tuple[str, object, tuple[str, ...]], ...] = (
    (CRIMEA, _("Crimea and Sevastopol"), ("Крым", "Crimea", "Севастополь", "Sevastopol")),
    (
        OCCUPIED_UKRAINE,
        _("Occupied regions of Ukraine (Donetsk, Luhansk, Zaporizhzhia, Kherson)"),
        (),
    ),
    (ABROAD, _("Abroad"), ()),
    (OTHER, _("Other"), ()),
    (UNKNOWN, _("Unknown"), ()),
)

FEDERAL_SUBJECTS = tuple(code for code, _label, _aliases in _SUBJECTS)
CODES = frozenset(code for code, _label, _aliases in _SUBJECTS + _OTHERS)


def choices() -> list[tuple[str, object]]:
    """For a form: the federal subjects in their label's order in the current language, then
    the other entries (the order the figures use too)."""
    subjects = sorted(((code, label) for code, label, _a in _SUBJECTS), key=lambda c: str(c[1]))
    return subjects + [(code, label) for code, label, _a in _OTHERS]


def label(code: str) -> str:
    """The translated name of a code; "" for none. An unknown code is never shown raw."""
    for known, text, _aliases in _SUBJECTS + _OTHERS:
        if known == code:
            return str(text)
    return str(_OTHERS[3][1]) if code else ""


def _folded(text: str) -> str:
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").split()).casefold()


def match(text: str) -> str | None:
    """The code whose name (in English or Russian), code or listed spelling is exactly `text`,
    ignoring case, spacing and ё/е; None otherwise. Never a guess: anything else stays free text
    for a person to seal."""
    wanted = _folded(text)
    if not wanted:
        return None
    for code, name, aliases in _SUBJECTS + _OTHERS:
        names = {code, *aliases}
        for language in ("en", "ru"):
            with override(language):
                names.add(str(name))
        if wanted in {_folded(n) for n in names}:
            return code
    return None

from hypothesis import given, settings
from hypothesis import strategies as st

from haven.lib.names import match_names, name_keys, token_keys
from haven.lib.names.diminutives import given_names
from haven.lib.names.translit import IULIIA_SCHEMES, RENDERERS, skeletons, transliterate

SURNAMES = [
    "Исаев",
    "Дудаев",
    "Магомадов",
    "Хасанов",
    "Щербаков",
    "Юсупов",
    "Кадыров",
    "Ёлкин",
    "Подъячев",
    "Мальцев",
    "Жуков",
    "Цой",
    "Чичиков",
    "Яхъяев",
    "Ильин",
    "Ковальский",
    "Эльмурзаев",
    "Хьамидов",
    "Соловьёв",
    "Шахбулатов",
]
NAMES = given_names()


def _feminine(surname: str) -> str:
    if surname.endswith("ский"):
        return surname[:-2] + "ая"
    if surname.endswith(("ов", "ев", "ёв", "ин")):
        return surname + "а"
    return surname


@settings(max_examples=400, deadline=None)
@given(
    name=st.sampled_from(NAMES),
    surname=st.sampled_from(SURNAMES),
    scheme=st.sampled_from(sorted(RENDERERS)),
    surname_first=st.booleans(),
)
def test_a_rendering_in_any_scheme_matches_and_shares_keys_with_the_cyrillic_original(
    name, surname, scheme, surname_first
):
    family = surname if name.gender == "M" else _feminine(surname)
    original = f"{family} {name.canonical}" if surname_first else f"{name.canonical} {family}"
    rendered = transliterate(original, scheme)

    assert match_names(original, rendered).same, (original, rendered)
    for cyrillic, latin in zip(original.split(), rendered.split(), strict=True):
        assert token_keys(cyrillic) & token_keys(latin), (cyrillic, latin)


def test_every_iuliia_scheme_is_offered():
    assert {"icao_doc_9303", "gost_779", "bgn_pcgn", "mvd_310", "mvd_782", "wikipedia"} <= set(
        IULIIA_SCHEMES
    )
    assert set(IULIIA_SCHEMES) <= set(RENDERERS)


def test_informal_spelling_habits_share_a_skeleton():
    for spellings in (
        ["Елена", "Yelena", "Elena", "Jelena", "Ielena"],
        ["Зелимхан", "Zelimkhan", "Selimchan", "Zelimhan", "Zelimxan"],
        ["Юсупов", "Yusupov", "Iusupov", "Jusupow", "Ioussoupov"],
        ["Анатолий", "Anatoliy", "Anatoly", "Anatolii", "Anatolij"],
        ["Щербаков", "Shcherbakov", "Schtscherbakow", "Szczerbakow", "Chtcherbakov"],
        ["Жуков", "Zhukov", "Joukov", "Żukow", "Schukow"],
        ["Юлия", "Yuliya", "Iuliia", "Julija", "Yulia"],
    ):
        shared = set.intersection(*(set(skeletons(s)) for s in spellings))
        assert shared, spellings


def test_different_given_names_from_the_tables_rarely_share_a_key():
    # Measured: 56 of 47,895 pairs (0.12 %) share a key, mostly a masculine/feminine pair of
    # one name (Александр/Александра) or vowel-only differences (Алла/Юлия). The blind index may
    # over-match; match_names must then tell them apart (next test).
    keys = {n: token_keys(n.canonical) for n in NAMES}
    pairs = [(a, b) for i, a in enumerate(NAMES) for b in NAMES[i + 1 :]]
    colliding = sum(1 for a, b in pairs if keys[a] & keys[b])
    assert colliding / len(pairs) < 0.002


def test_different_given_names_next_to_the_same_surname_are_never_the_same_person():
    same = [
        (a.canonical, b.canonical)
        for i, a in enumerate(NAMES)
        for b in NAMES[i + 1 :]
        if a.gender == b.gender and match_names(f"{a.canonical} Исаев", f"{b.canonical} Исаев").same
    ]
    assert same == []


def test_name_keys_hold_one_set_of_keys_per_token_so_the_family_name_alone_finds_the_person():
    keys = name_keys("Исаев Ислам Хамзатович")
    assert name_keys("Isayev") <= keys
    assert name_keys("Ислам") & keys
    assert len(keys) <= 10

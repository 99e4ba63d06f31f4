import pytest

from haven.lib.names import match_names, name_keys

SAME = [
    ("Исаев Ислам Хамзатович", "Islam Isaev"),
    ("Магамадова Салеха", "Салех Магамадов"),
    ("Исаевым Исламом", "Ислам Исаев"),
    ("Тетериной Евгении", "Evgueniia Teterina"),
    ("Газиева Шамиля", "Шамиль Хамидович Газиев"),
    ("Ковальской Юлии", "Julija Kowalska"),
    ("Зелимхан Дудаев", "Selimchan Dudajew"),
    ("Александр Иванов", "Саша Иванов"),
    ("Елена Петрова", "Jelena Petrowa"),
    ("Ибрагим Хасанов", "Ibrahim Khasanov"),
    ("Магомед Алиев", "Mohammed Aliyev"),
    ("Умар Алиев", "Omar Aliev"),
    ("Ислам Исаев", "Ислан Исаев"),
    ("Исаев Ислам Хамзатович", "Исаев Ислам Хамзат"),
]
DIFFERENT = [
    ("Александр Иванов", "Александра Иванова"),
    ("Женя Исаев", "Женя Исаева"),
    ("Малика Исаева", "Малик Исаев"),
    ("Хава Исаева", "Ислам Исаев"),
    ("Ислам Исаев", "Аслан Исаев"),
    ("Хасан Исаев", "Хусейн Исаев"),
    ("Исаев Ислам Хамзатович", "Исаев Ислам Ахмедович"),
    ("Savin Soupian Timourovitch", "Supyan Umarovich Savin"),
    ("Ислам Исаев", "Ислам Дудаев"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_it_matches_renderings_case_forms_and_diminutives_of_one_person(a, b):
    assert match_names(a, b).same
    assert match_names(b, a).same


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_it_keeps_relatives_other_gender_forms_and_namesakes_apart(a, b):
    result = match_names(a, b)
    assert not result.same
    assert result.score < 0.8


def test_a_surname_alone_is_too_little_to_call_a_match():
    assert not match_names("Исаев", "Исаев Ислам").same


@pytest.mark.parametrize(
    ("oblique", "nominative"),
    [
        ("Исаевой", "Исаева"),
        ("Исаевым", "Исаев"),
        ("Исаеву", "Исаев"),
        ("Ковальского", "Ковальский"),
        ("Ковальской", "Ковальская"),
        ("Магамадова", "Магамадов"),
    ],
)
def test_case_endings_and_gender_forms_reduce_to_a_shared_key(oblique, nominative):
    assert name_keys(oblique) & name_keys(nominative)
    assert name_keys("Исаева") & name_keys("Isayev")


def test_a_diminutive_shares_a_key_with_the_full_name():
    assert name_keys("Саша") & name_keys("Alexander")
    assert name_keys("Лена") & name_keys("Елена")


def test_scores_stay_within_zero_and_one():
    for a, b in SAME + DIFFERENT:
        assert 0.0 <= match_names(a, b).score <= 1.0


def test_empty_or_non_letter_names_do_not_match():
    assert not match_names("", "Ислам Исаев").same
    assert not match_names("1234 ---", "1234 ---").same

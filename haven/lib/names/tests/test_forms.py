"""The name model for running text (what the redaction engine asks of the names library)."""

from __future__ import annotations

import pytest

from haven.lib.names import match_names, name_forms, same_name_part


def test_name_forms_cover_case_forms_and_transliterations() -> None:
    forms = name_forms("Салех Мусаев")
    assert {"салеху", "салехом", "saleh", "salekh", "мусаевым", "musayev", "мусаевой"} <= forms


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Юсуп", "Yusuf"),
        ("Елена", "Jelena"),
        ("Шамиль", "Chamil"),
        ("Хава", "Khyava"),
        ("Хадижат", "Khadijat"),
        ("Владимиру", "Vladimir"),
        ("Лаврову", "Lavrov"),
        ("Эльмурзаевых", "Elmurzaeva"),
    ],
)
def test_two_spellings_of_one_name_part_are_the_same_part(a: str, b: str) -> None:
    assert same_name_part(a, b)
    assert same_name_part(b, a)


@pytest.mark.parametrize(("short", "full"), [("Лейлочка", "Лейла"), ("Салик", "Салех")])
def test_a_pet_form_by_suffix_is_the_same_part_only_when_asked_loosely(
    short: str, full: str
) -> None:
    assert same_name_part(short, full, loose=True)
    assert same_name_part(full, short, loose=True)
    assert not same_name_part(short, full)


@pytest.mark.parametrize(
    ("a", "b"),
    [("Салех", "Салехов"), ("Магомед", "Мак"), ("Ислам", "Аслан")],
)
def test_different_names_are_not_the_same_part(a: str, b: str) -> None:
    assert not same_name_part(a, b, loose=True)


def test_a_pet_form_needs_a_full_name_that_goes_on_past_its_head() -> None:
    # Strictly compared (as public figures are), "Vakha" is not a pet form of "Watch".
    assert not same_name_part("Vakha", "Watch")


def test_the_typo_allowance_is_the_matchers_and_only_when_asked_loosely() -> None:
    # One letter apart: the same surname to the matcher, so a linked person's name is found,
    # but never enough to spare a private person as a public figure.
    assert match_names("Аюб Китаев", "Аюб Катаев").same
    assert same_name_part("Китаев", "Катаев", loose=True)
    assert not same_name_part("Китаев", "Катаев")


@pytest.mark.parametrize(
    ("registered", "written"),
    [
        ("Юсуп Магомадов", "Yusuf Magomadov"),
        ("Елена Петрова", "Jelena Petrova"),
        ("Шамиль Базаев", "Chamil Bazaev"),
        ("Хава Дудаева", "Khyava Dudaeva"),
    ],
)
def test_every_pair_the_matcher_calls_one_person_agrees_word_by_word(
    registered: str, written: str
) -> None:
    assert match_names(registered, written).same
    for a, b in zip(registered.split(), written.split(), strict=True):
        assert same_name_part(a, b)

"""The redactor finds names through the names library, and public figures by the name inside a
titled mention."""

from __future__ import annotations

import pytest

from haven.lib.names import match_names
from haven.lib.redact import KnownPerson, redact

FIGURES = ["Владимир Путин", "Сергей Лавров", "Рамзан Кадыров", "Татьяна Москалькова"]

# Pairs the missing-persons matcher calls one person; the redactor must too, in both directions.
VARIANTS = [
    ("Юсуп Магомадов", "Yusuf Magomadov"),
    ("Елена Петрова", "Jelena Petrova"),
    ("Шамиль Базаев", "Chamil Bazaev"),
    ("Хава Дудаева", "Khyava Dudaeva"),
]


@pytest.mark.parametrize(("cyrillic", "latin"), VARIANTS)
def test_a_latin_spelling_is_redacted_when_the_cyrillic_name_is_known(cyrillic, latin):
    assert match_names(cyrillic, latin).same
    text = f"{latin} came to the office on Monday. Later {latin.split()[0]} called again."
    result = redact(text, lang="en", known=[KnownPerson(names=(cyrillic,))])
    for word in latin.split():
        assert word not in result.text
    assert {s.placeholder for s in result.spans if s.category == "PERSON"} == {"[PERSON 1]"}
    assert all(
        s.reason.startswith("linked person 1") for s in result.spans if s.category == "PERSON"
    )


@pytest.mark.parametrize(("cyrillic", "latin"), VARIANTS)
def test_a_cyrillic_name_in_any_case_is_redacted_when_the_latin_spelling_is_known(cyrillic, latin):
    given, surname = cyrillic.split()
    text = f"{cyrillic} пришла в офис. Потом мы звонили {given}."
    result = redact(text, lang="ru", known=[KnownPerson(names=(latin,))])
    assert given not in result.text
    assert surname not in result.text
    assert all(
        s.reason.startswith("linked person 1") for s in result.spans if s.category == "PERSON"
    )


def test_jelena_is_taken_out_beside_her_surname_when_elena_is_known():
    result = redact(
        "Jelena Petrova came to the office.", known=[KnownPerson(names=("Елена Петрова",))]
    )
    assert result.text == "[PERSON 1] came to the office."


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Russian Foreign Minister Sergei Lavrov said nothing.", "Sergei Lavrov"),
        ("We wrote to President Vladimir Putin in May.", "Vladimir Putin"),
        ("My cousin said that President Putin knew.", "Putin"),
        ("Ombudsman Tatyana Moskalkova promised help.", "Tatyana Moskalkova"),
        ("They said Chechen leader Ramzan Kadyrov's men came.", "Ramzan Kadyrov's"),
    ],
)
def test_a_titled_public_figure_survives_in_english(text, kept):
    result = redact(text, lang="en", public_figures=FIGURES)
    assert result.text == text
    assert kept in result.text


@pytest.mark.parametrize(
    "text",
    [
        "Тогда министр иностранных дел Сергей Лавров заявил, что всё выдумано.",  # nominative
        "Мы писали президенту Владимиру Путину и ждали ответа.",  # dative
        "Об этом спросили министра иностранных дел Сергея Лаврова.",  # genitive
        "Тогда Президент Путин сказал, что таких людей нет.",  # title with a capital
        "Письмо подписал глава Чечни Рамзан Кадыров.",
        "Мы встретились с уполномоченным по правам человека Татьяной Москальковой.",  # instr.
        "Жалобу отправили президенту Путину.",
    ],
)
def test_a_titled_public_figure_survives_in_russian_in_several_cases(text):
    result = redact(text, lang="ru", public_figures=FIGURES)
    assert [s.original for s in result.spans if s.category == "PERSON"] == []
    assert result.text == text


def test_a_titled_public_figure_survives_beside_a_redacted_private_person():
    text = "Салеха задержали после того, как президент Путин выступил по телевизору."
    result = redact(
        text, lang="ru", known=[KnownPerson(names=("Салех Мусаев",))], public_figures=FIGURES
    )
    assert result.text == (
        "[PERSON 1] задержали после того, как президент Путин выступил по телевизору."
    )


@pytest.mark.parametrize(
    ("text", "lang", "title", "gone"),
    [
        ("Меня допрашивал полковник Иванов.", "ru", "полковник", "Иванов"),
        ("Потом полковника Иванова перевели в Гудермес.", "ru", "полковника", "Иванова"),
        ("Полковник Иванов бил меня.", "ru", "Полковник", "Иванов"),
        ("Colonel Ivanov beat me.", "en", "Colonel", "Ivanov"),
        ("Министр Иванов знал об этом.", "ru", "Министр", "Иванов"),
    ],
)
def test_a_private_person_with_a_title_is_still_redacted(text, lang, title, gone):
    result = redact(
        text, lang=lang, known=[KnownPerson(names=("Пётр Иванов",))], public_figures=FIGURES
    )
    assert gone not in result.text
    # The title is no identifier of its own and stays for the reader.
    assert result.text.startswith(text[: text.index(title) + len(title)] + " [PERSON 1]")


def test_a_private_person_sharing_an_officials_surname_is_not_spared_as_the_official():
    result = redact("Со мной сидел Ислам Кадыров из Шали.", lang="ru", public_figures=FIGURES)
    assert "Кадыров" not in result.text
    assert "Ислам" not in result.text


def test_an_unknown_titled_private_person_is_redacted_after_the_title():
    result = redact("Colonel Bekmurzaev and major Tsakaev came at night.", lang="en")
    assert "Bekmurzaev" not in result.text
    assert "Tsakaev" not in result.text
    assert result.text.startswith("Colonel [PERSON 1]")


def test_a_given_name_is_not_taken_for_a_country_through_a_pet_form():
    # "Russia" reads like Руся, a pet form of Руслан: places compare spellings, not name groups.
    result = redact("Our uncle Ruslan came from Russia. Ruslan said nothing.", lang="en")
    assert "Ruslan" not in result.text
    assert "Russia" in result.text


@pytest.mark.parametrize(
    ("text", "lang", "name"),
    [
        (
            "Another young man called Vakha was there; Human Rights Watch wrote about it.",
            "en",
            "Vakha",
        ),
        ("С нами был парень по имени Ваха. Об этом писала Human Rights Watch.", "ru", "Ваха"),
    ],
)
def test_a_private_name_is_not_kept_as_the_last_word_of_an_organisation(text, lang, name):
    result = redact(text, lang=lang, public_figures=["Human Rights Watch"])
    assert name not in result.text
    assert "Human Rights Watch" in result.text


def test_a_village_after_a_settlement_word_goes_whole_even_when_it_reads_as_a_name():
    result = redact("Она жила в селе Цоци-Юрт у тёти.", lang="ru")
    assert "Цоци" not in result.text
    assert "Юрт" not in result.text


def test_a_district_named_by_natasha_goes_whole_with_its_cue_word():
    text = "Её вызвали в отдел полиции Ленинского района Грозного."
    result = redact(text, lang="ru")
    assert "Ленинского района" not in result.text
    assert "района" not in result.text
    assert "Грозного" in result.text

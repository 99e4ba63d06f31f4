import re

import pytest

from haven.lib.redact import KnownPerson, redact

SALEH = KnownPerson(names=("Салех Мусаев",), aliases=("Салик",))
FIGURES = ["Рамзан Кадыров", "Адам Делимханов"]


def _placeholders(result, category="PERSON"):
    return {s.placeholder for s in result.spans if s.category == category}


def test_it_gives_every_case_form_and_script_of_a_linked_name_one_placeholder():
    text = (
        "Салеха задержали в Грозном. Салеху угрожали, а с Салехом никто не говорил. "
        "Saleh later wrote, signing as Salekh. Мама звала его Салик."
    )
    result = redact(text, known=[SALEH], public_figures=FIGURES)
    originals = {s.original for s in result.spans if s.category == "PERSON"}
    assert originals == {"Салеха", "Салеху", "Салехом", "Saleh", "Salekh", "Салик"}
    assert _placeholders(result) == {"[PERSON 1]"}
    assert "Грозном" in result.text


def test_it_keeps_a_public_figure_in_the_genitive_and_in_latin_script():
    result = redact(
        "Люди Кадырова пришли ночью. Kadyrov's men took Салеха away.",
        known=[SALEH],
        public_figures=FIGURES,
    )
    assert "Кадырова" in result.text
    assert "Kadyrov's" in result.text
    assert "Салеха" not in result.text


def test_it_takes_a_lone_given_name_shared_with_an_official_as_a_private_person():
    result = redact(
        "Со мной сидел парень по имени Рамзан. Рамзану было двадцать лет.",
        public_figures=FIGURES,
    )
    assert "Рамзан" not in result.text


def test_a_relative_sharing_the_surname_is_redacted_under_their_own_number():
    result = redact("Салех Мусаев и его брат Ислам Мусаев уехали.", known=[SALEH])
    assert result.text == "[PERSON 1] и его брат [PERSON 2] уехали."


def test_it_finds_private_people_in_english_text_from_latin_renderings_of_chechen_names():
    result = redact("My friend Zelimkhan Dudurkaev drove me. Later Khadizhat called.", lang="en")
    assert "Zelimkhan" not in result.text
    assert "Dudurkaev" not in result.text
    assert "Khadizhat" not in result.text


@pytest.mark.parametrize(
    ("text", "category", "original"),
    [
        ("Звони на +7 (928) 123-45-67 вечером.", "PHONE", "+7 (928) 123-45-67"),
        ("Мой номер 8 938 555 03 11.", "PHONE", "8 938 555 03 11"),
        ("Call +49 151 23456789 in Berlin.", "PHONE", "+49 151 23456789"),
        ("Пиши на saleh.m@mail.ru срочно.", "EMAIL", "saleh.m@mail.ru"),
        ("Мой телеграм @salekh_95, пиши.", "HANDLE", "@salekh_95"),
        ("Find me at t.me/salekh95 today.", "HANDLE", "t.me/salekh95"),
        ("Я родился 12.03.1995 в Аргуне.", "DATE OF BIRTH", "12.03.1995"),
        ("He was born on 12 March 1995.", "DATE OF BIRTH", "12 March 1995"),
        ("Салех, 1995 г.р., задержан.", "DATE OF BIRTH", "1995 г.р."),
        ("Паспорт 45 12 345678 забрали.", "DOCUMENT", "45 12 345678"),
        ("Passport no. 751234567 was taken.", "DOCUMENT", "751234567"),
        ("Жил на ул. Ленина, д. 5, кв. 12 у тёти.", "ADDRESS", "ул. Ленина, д. 5, кв. 12"),
        ("They came to 8 Kirova Street, apt 41 at night.", "ADDRESS", "8 Kirova Street, apt 41"),
    ],
)
def test_it_removes_machine_shaped_identifiers(text, category, original):
    result = redact(text)
    assert (category, original) in {(s.category, s.original) for s in result.spans}
    assert original not in result.text


def test_the_same_phone_written_two_ways_gets_one_placeholder():
    result = redact("Он звонил с +7 928 123-45-67, потом снова с 89281234567.")
    assert _placeholders(result, "PHONE") == {"[PHONE 1]"}
    assert len([s for s in result.spans if s.category == "PHONE"]) == 2


def test_it_removes_a_village_but_keeps_towns_unless_asked():
    text = "Меня увезли из Грозного в село Бачи-Юрт, потом в Москву."
    kept = redact(text)
    assert "Грозного" in kept.text and "Москву" in kept.text
    assert "Бачи-Юрт" not in kept.text
    strict = redact(text, redact_places=True)
    assert "Грозного" not in strict.text


def test_it_rejects_an_unknown_language_with_a_clear_message():
    with pytest.raises(ValueError, match="unknown language 'de'"):
        redact("text", lang="de")


def test_it_detects_the_language_from_the_script_mix():
    assert redact("Меня задержали в Грозном.").lang == "ru"
    assert redact("I was detained in Grozny.").lang == "en"


def test_spans_point_at_the_original_text():
    text = "Салеха задержали, номер +7 928 123-45-67."
    result = redact(text, known=[SALEH])
    for span in result.spans:
        assert text[span.start : span.end] == span.original
        assert re.fullmatch(r"\[[A-Z ]+ \d+\]", span.placeholder)

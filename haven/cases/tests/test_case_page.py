"""The case page as staff see it: every precision of a date of birth, only the moves allowed now,
real countries only, and no raw internal value (state, enum key) anywhere on it, in either
language."""

from __future__ import annotations

import re

import pytest

from haven.cases import actions
from haven.cases.models import Case, Person, State, Vetting
from haven.testing.journey import visible_text
from haven.testing.personas import keyring_for


def _page(client, case, language: str) -> str:  # type: ignore[no-untyped-def]
    client.cookies["haven_lang"] = language
    response = client.get(f"/staff/cases/{case.id}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "russian", "english"),
    [
        ({"p-birth_date": "1990-05-05"}, "5 мая 1990", "May 5, 1990"),
        ({"p-birth_year": "1990"}, "1990", "1990"),
    ],
)
def test_a_date_of_birth_of_any_precision_shows_on_the_case_page_in_both_languages(
    personas, client_for, index, typed, russian, english
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.caseworker)
    response = client.post(
        "/staff/cases/new/", {"risk": "high", "p-given_name": "Магомед", **typed}
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert russian in _page(client, case, "ru")
    assert english in _page(client, case, "en")


@pytest.mark.django_db
def test_a_companion_with_a_full_date_of_birth_shows_next_to_the_first_person(
    personas, client_for, case
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.caseworker)
    response = client.post(
        f"/staff/cases/{case.id}/people/new/",
        {"given_name": "Зарема", "birth_date": "1992-11-30"},
    )
    assert response.status_code == 302
    page = _page(client, case, "ru")
    assert "Зарема" in page and "30 ноября 1992" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("birth", "russian", "english"),
    [
        ({"date": "1990-05"}, "Май 1990", "May 1990"),
        ({"month": "1990-05"}, "Май 1990", "May 1990"),
        ({"year": 1990}, "1990", "1990"),
        ({"date": "около 1990"}, "около 1990", "около 1990"),
    ],
)
def test_a_month_or_a_year_or_a_loose_date_from_a_registry_import_still_renders(
    personas, client_for, case, birth, russian, english
) -> None:  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.caseworker)
    person = Person.objects.get(case=case)
    actions.save_person(
        keyring=ring, case=case, values={"given_name": "Ислам", "birth": birth}, person=person
    )
    client = client_for(personas.caseworker)
    assert russian in _page(client, case, "ru")
    assert english in _page(client, case, "en")


def _offered_states(page: str) -> list[str]:
    select = re.search(r'<select name="to_state"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    return re.findall(r'<option value="([^"]*)"', select.group(1))


@pytest.mark.django_db
def test_the_case_page_offers_only_the_moves_allowed_now_with_translated_names(
    personas, client_for, case
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.caseworker)
    page = _page(client, case, "ru")
    assert _offered_states(page) == case.allowed_next()
    assert "Проверка" in page and "Планирование" not in page.split("to_state")[1][:2000]
    Case.objects.filter(pk=case.pk).update(state=State.IN_TRANSIT)
    case.refresh_from_db()
    page = _page(client, case, "en")
    assert set(_offered_states(page)) == set(case.allowed_next())
    assert "Sheltered" in page and "Possible next states" in page


@pytest.mark.django_db
def test_a_closed_case_offers_no_move_at_all(personas, client_for, case) -> None:  # type: ignore[no-untyped-def]
    Case.objects.filter(pk=case.pk).update(state=State.CLOSED)
    page = _page(client_for(personas.caseworker), case, "ru")
    assert 'name="to_state"' not in page


# Stored keys that read as English words ("pending", "high") are caught in the Russian page,
# where no Latin word may appear at all; the English page is checked for the keys that no
# English sentence contains.
RAW_KEYS = re.compile(r"\b[a-z]+_[a-z_]+\b|\b(confiscated|yes|no)\b|\(day\)")
LATIN_WORD = re.compile(r"\b[A-Za-z][A-Za-z_]+\b")
# Latin words a Russian page may show: the product's name, the language switch ("English"),
# usernames of the personas, and the case reference prefix.
ALLOWED_LATIN = {"Haven", "English", "cw", "coord", "coord2", "doc", "lawyer", "outsider", "HV"}


REFERENCE = re.compile(r"\b(HV|RQ)-[A-Z0-9]+\b")  # random case and request references


def raw_values(text: str, language: str) -> list[str]:
    text = REFERENCE.sub(" ", text)
    found = RAW_KEYS.findall(text)
    if language == "ru":
        found += [w for w in LATIN_WORD.findall(text) if w not in ALLOWED_LATIN]
    return [f for f in found if f]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "en"])
def test_no_raw_internal_value_shows_on_a_full_case_page(
    personas, client_for, case, language
) -> None:  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.caseworker)
    person = Person.objects.get(case=case)
    actions.save_person(
        keyring=ring,
        case=case,
        person=person,
        values={
            "given_name": "Ислам",
            "birth": {"date": "1990-05-05"},
            "documents": {"passport": "confiscated", "expiry": "2027-03-01"},
        },
    )
    actions.transition(keyring=ring, case=case, to_state=State.VETTING, reason="интервью")
    Vetting.objects.filter(case=case).update(decision=Vetting.Decision.APPROVED)
    actions.transition(keyring=ring, case=case, to_state=State.PLANNING, reason="план")
    actions.transition(keyring=ring, case=case, to_state=State.IN_TRANSIT, reason="едет")
    actions.set_relocation(
        actor=personas.caseworker,
        case=case,
        destination_country="DE",
        pathway=Case.Pathway.HUMANITARIAN_VISA,
        outcome=Case.Outcome.ABROAD,
        outcome_country="DE",
    )
    actions.add_task(
        keyring=ring,
        case=case,
        kind="visa_appointment",
        title="Посольство",
        due_date=__import__("datetime").date(2027, 1, 10),
    )
    actions.add_relocation_document(
        keyring=ring, case=case, kind="Гуманитарная виза", status="submitted", deadline=None
    )
    page = _page(client_for(personas.caseworker), case, language)
    text = visible_text(page)
    assert raw_values(text, language) == [], text
    germany = "Германия" if language == "ru" else "Germany"
    assert germany in text


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["XX", "zz", "Germany", "D"])
def test_a_destination_that_is_not_a_real_country_code_is_refused_with_what_was_typed(
    personas, client_for, case, typed
) -> None:  # type: ignore[no-untyped-def]
    response = client_for(personas.caseworker).post(
        f"/staff/cases/{case.id}/relocation/",
        {"destination_country": typed, "pathway": "humanitarian_visa"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "не код известной нам страны" in body and typed.upper() in body
    case.refresh_from_db()
    assert case.destination_country == "" and case.pathway == ""
    with pytest.raises(actions.CaseError):
        actions.set_relocation(
            actor=personas.caseworker,
            case=case,
            destination_country=typed,
            pathway="",
            outcome="",
            outcome_country="",
        )


@pytest.mark.django_db
def test_a_real_destination_is_saved_by_code_and_shown_by_name_in_each_language(
    personas, client_for, case
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.caseworker)
    response = client.post(
        f"/staff/cases/{case.id}/relocation/",
        {"destination_country": "de", "pathway": "humanitarian_visa"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.destination_country == "DE"
    assert "Куда: <strong>Германия</strong>" in _page(client, case, "ru")
    assert "Destination: <strong>Germany</strong>" in _page(client, case, "en")

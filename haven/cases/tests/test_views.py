"""Case views: bad input, search, the two-person rule, and exposure. Who may call which view is
the authorisation matrix (haven/core/tests/test_authorization_matrix.py, rows in tests/authz.py)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haven.accounts.actions import create_staff_user
from haven.cases import actions
from haven.cases.models import ApprovalRequest, Case, CaseAssignment, Person
from haven.testing.leakscan import Markers, assert_no_leaks
from haven.testing.personas import keyring_for
from haven.vault.models import Grant, UserKey


@pytest.mark.django_db
def test_a_caseworker_opens_a_case_with_a_person_and_sees_it(personas, client_for, index) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.caseworker)
    response = client.post(
        "/staff/cases/new/",
        {
            "risk": "high",
            "risk_reason": "угрозы",
            "region_of_origin": "RU-CE",
            "caseworker": "",
            "p-given_name": "Хава",
            "p-family_name": "Исмаилова",
            "p-aliases": "Khava Ismailova\nХавушка",
            "p-birth_year": "1999",
            "p-passport": "confiscated",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    page = client.get(f"/staff/cases/{case.id}/").content.decode()
    assert "Хава" in page and "Khava Ismailova" in page
    assert not keyring_for(personas.outsider).can_open(case.vault)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("p-birth_date", "2025-02-30", "Введите правильную дату."),
        ("p-birth_date", "2999-01-01", "не может быть в будущем"),
        ("risk", "apocalyptic", "Выберите корректный вариант"),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_what_was_typed(
    personas, client_for, index, field, value, message
) -> None:  # type: ignore[no-untyped-def]
    data = {"risk": "high", "p-given_name": "Умар", "p-family_name": "Вахаев", field: value}
    response = client_for(personas.caseworker).post("/staff/cases/new/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and "Вахаев" in body
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_an_unknown_state_in_the_form_is_refused_and_nothing_changes(
    personas, client_for, case
) -> None:  # type: ignore[no-untyped-def]
    response = client_for(personas.caseworker).post(
        f"/staff/cases/{case.id}/transition/", {"to_state": "teleported", "reason": "моя причина"}
    )
    assert response.status_code == 400
    assert (
        "Неизвестное состояние." in response.content.decode()
        and "моя причина" in response.content.decode()
    )
    case.refresh_from_db()
    assert case.state == "intake"


@pytest.mark.django_db
def test_a_forbidden_transition_is_a_clear_error(personas, client_for, case) -> None:  # type: ignore[no-untyped-def]
    response = client_for(personas.caseworker).post(
        f"/staff/cases/{case.id}/transition/", {"to_state": "resettled", "reason": "x"}
    )
    assert response.status_code == 400
    assert "не может перейти" in response.content.decode()


@pytest.mark.django_db
def test_assigning_seals_the_key_and_unassigning_revokes_it(personas, client_for, case) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.caseworker)
    assert (
        client.post(f"/staff/cases/{case.id}/assign/", {"user": personas.lawyer.pk}).status_code
        == 302
    )
    assert keyring_for(personas.lawyer).can_open(case.vault)
    duplicate = client.post(f"/staff/cases/{case.id}/assign/", {"user": personas.lawyer.pk})
    assert duplicate.status_code == 400 and "уже назначен" in duplicate.content.decode()
    assert (
        client.post(f"/staff/cases/{case.id}/unassign/", {"user": personas.lawyer.pk}).status_code
        == 302
    )
    assert not Grant.objects.filter(vault=case.vault, user=personas.lawyer).exists()
    assert client_for(personas.lawyer).get(f"/staff/cases/{case.id}/").status_code == 404


@pytest.mark.django_db
def test_assigning_someone_without_a_key_pair_is_a_clear_error(personas, client_for, case) -> None:  # type: ignore[no-untyped-def]
    newcomer = create_staff_user(
        actor=None, username="newbie", roles=["caseworker"], password="some long password"
    ).user
    UserKey.objects.filter(user=newcomer).delete()
    response = client_for(personas.caseworker).post(
        f"/staff/cases/{case.id}/assign/", {"user": newcomer.pk}
    )
    assert response.status_code == 400
    assert "нет пары ключей" in response.content.decode()
    assert not CaseAssignment.objects.filter(user=newcomer).exists()


@pytest.mark.django_db
def test_the_two_person_rule_cannot_be_passed_by_one_coordinator_acting_twice(
    personas, case
) -> None:  # type: ignore[no-untyped-def]
    from haven.vault.actions import grant_vault

    grant_vault(
        keyring=keyring_for(personas.caseworker), vault=case.vault, user=personas.coordinator
    )
    grant_vault(
        keyring=keyring_for(personas.caseworker), vault=case.vault, user=personas.coordinator2
    )
    ring = keyring_for(personas.coordinator)
    approval = actions.request_approval(
        keyring=ring,
        kind=ApprovalRequest.Kind.DISCLOSE_VAULT,
        vault=case.vault,
        target_user=personas.lawyer,
        reason="консультация",
    )
    for _ in range(2):
        with pytest.raises(actions.CaseError):
            actions.decide_approval(
                keyring=keyring_for(personas.coordinator), approval=approval, approve=True
            )
    assert not keyring_for(personas.lawyer).can_open(case.vault)
    actions.decide_approval(
        keyring=keyring_for(personas.coordinator2), approval=approval, approve=True
    )
    assert keyring_for(personas.lawyer).can_open(case.vault)
    with pytest.raises(actions.CaseError):
        actions.decide_approval(
            keyring=keyring_for(personas.coordinator2), approval=approval, approve=True
        )


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["Исаев", "Isayev", "Isaev", "ISSAEW", "исаеву", "Ислам Isaev"])
def test_search_finds_the_same_person_across_scripts_and_spellings(
    personas, client_for, case, query: str
) -> None:  # type: ignore[no-untyped-def]
    other = actions.create_case(keyring=keyring_for(personas.caseworker), risk="low")
    actions.save_person(
        keyring=keyring_for(personas.caseworker),
        case=other,
        values={"given_name": "Зарема", "family_name": "Хасанова"},
    )
    body = client_for(personas.caseworker).get("/staff/cases/", {"q": query}).content.decode()
    assert case.reference in body
    assert other.reference not in body


@pytest.mark.django_db
def test_search_never_shows_cases_the_user_cannot_open(personas, client_for, case) -> None:  # type: ignore[no-untyped-def]
    body = client_for(personas.outsider).get("/staff/cases/", {"q": "Исаев"}).content.decode()
    assert case.reference not in body


@pytest.mark.django_db
def test_the_case_list_uses_the_same_number_of_queries_for_any_page_size(
    personas, client_for, index
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.caseworker)
    ring = keyring_for(personas.caseworker)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/staff/cases/").status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        c = actions.create_case(keyring=ring, risk="low")
        actions.save_person(keyring=ring, case=c, values={"given_name": f"Имя{i}"})
    few = queries()
    for i in range(20):
        c = actions.create_case(keyring=ring, risk="low")
        actions.save_person(keyring=ring, case=c, values={"given_name": f"Имя{i}"})
    many = queries()
    assert many == few
    assert many < 100


@pytest.mark.django_db
def test_name_search_uses_the_same_number_of_queries_however_many_match(
    personas, client_for, index
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.caseworker)
    ring = keyring_for(personas.caseworker)

    def add(n: int) -> None:
        for _ in range(n):
            c = actions.create_case(keyring=ring, risk="low")
            actions.save_person(
                keyring=ring, case=c, values={"given_name": "Ислам", "family_name": "Исаев"}
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/staff/cases/", {"q": "Isaev"}).content.decode()
        assert body.count("/staff/cases/") > 0
        return len(ctx.captured_queries)

    add(2)
    few = queries()
    add(15)
    assert queries() == few < 100


@pytest.mark.django_db
def test_exposure_counts_people_and_safe_houses_per_account_without_decrypting(
    personas, case, capsys
) -> None:  # type: ignore[no-untyped-def]
    call_command("exposure", "--json")
    rows = {r["username"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["cw"]["people"] == Person.objects.filter(case=case).count() == 1
    assert rows["outsider"]["people"] == 0
    assert rows["admin"]["vaults"] == 0
    call_command("exposure")
    assert "cw" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_the_leak_scan_finds_nothing_of_a_full_case_record(
    personas, client_for, index, caplog
) -> None:  # type: ignore[no-untyped-def]
    markers = Markers()
    client = client_for(personas.caseworker)
    client.post(
        "/staff/cases/new/",
        {
            "risk": "high",
            "risk_reason": markers.new("risk"),
            "p-given_name": markers.new("given", cyrillic=True),
            "p-family_name": markers.new("family"),
            "p-patronymic": markers.new("patr"),
            "p-aliases": markers.new("alias"),
            "p-contacts": markers.new("phone"),
            "p-health_safety": markers.new("health"),
            "p-family_risk": markers.new("family"),
            "p-trusted_contacts": markers.new("trusted"),
            "p-notes": markers.new("notes"),
            "p-gender": markers.new("gender"),
        },
    )
    case = Case.objects.get()
    client.post(f"/staff/cases/{case.id}/notes/", {"text": markers.new("note")})
    client.post(
        f"/staff/cases/{case.id}/tasks/",
        {"kind": "other", "title": markers.new("task"), "due_date": "2027-01-01"},
    )
    client.post(
        f"/staff/cases/{case.id}/documents/",
        {"kind": markers.new("doc"), "status": "submitted", "notes": markers.new("docnote")},
    )
    client.post(f"/staff/cases/{case.id}/vetting/", {"red_flags": markers.new("flags")})
    client.post(
        f"/staff/cases/{case.id}/transition/",
        {"to_state": "vetting", "reason": markers.new("reason")},
    )
    client.post(
        f"/staff/cases/{case.id}/people/new/",
        {"given_name": markers.new("companion", cyrillic=True), "contacts": markers.new("tg")},
    )
    client.post(f"/staff/cases/{case.id}/assign/", {"user": personas.coordinator.pk})
    client_for(personas.coordinator).post(
        f"/staff/cases/{case.id}/approvals/",
        {"target_user": personas.lawyer.pk, "reason": markers.new("approval")},
    )
    client.get(f"/staff/cases/{case.id}/")
    client.get("/staff/cases/", {"q": "MARKER"})
    assert Person.objects.count() == 2 and ApprovalRequest.objects.count() == 1
    assert_no_leaks(markers, log_text=caplog.text)

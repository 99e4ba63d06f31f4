"""Compartments and the two-person rule at the action level, the vetting gate through side
states, relocation documents, the search index for new staff, and the list filters."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone, translation

from haven.cases import actions
from haven.cases.approvals import approve, reject, request_approval, use_export_approval
from haven.cases.models import (
    ApprovalRequest,
    Case,
    CaseAssignment,
    NameIndexEntry,
    Person,
    RelocationDocument,
    State,
)
from haven.testing.personas import keyring_for
from haven.vault.actions import grant_vault
from haven.vault.models import Grant


@pytest.mark.django_db
@pytest.mark.parametrize("side", [State.MISSING, State.DETAINED])
def test_a_detour_through_a_side_state_does_not_skip_vetting(personas, case, side: str) -> None:
    ring = keyring_for(personas.caseworker)
    actions.transition(keyring=ring, case=case, to_state=side, reason="пропал")
    with pytest.raises(actions.CaseError, match="Vetting|проверк"):
        actions.transition(keyring=ring, case=case, to_state=State.PLANNING, reason="нашёлся")
    case.refresh_from_db()
    assert case.state == side


@pytest.mark.django_db
def test_the_last_person_who_can_open_a_case_cannot_be_unassigned(personas, case) -> None:
    with pytest.raises(actions.CaseError, match="only person|единственн"):
        actions.unassign(actor=personas.caseworker, case=case, user=personas.caseworker)
    assert CaseAssignment.objects.filter(case=case, user=personas.caseworker).exists()
    assert keyring_for(personas.caseworker).can_open(case.vault)


@pytest.mark.django_db
def test_unassigning_someone_who_is_not_assigned_is_a_clear_error(personas, case) -> None:
    with pytest.raises(actions.CaseError, match="not assigned|не назначен"):
        actions.unassign(actor=personas.caseworker, case=case, user=personas.lawyer)


def _coordinators_hold(personas, case) -> None:  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.caseworker)
    for user in (personas.coordinator, personas.coordinator2):
        grant_vault(keyring=ring, vault=case.vault, user=user)


@pytest.mark.django_db
def test_the_person_who_would_get_access_cannot_approve_it(personas, case) -> None:
    _coordinators_hold(personas, case)
    Grant.objects.filter(vault=case.vault, user=personas.coordinator2).delete()
    approval = request_approval(
        keyring=keyring_for(personas.coordinator),
        kind=ApprovalRequest.Kind.DISCLOSE_VAULT,
        vault=case.vault,
        target_user=personas.coordinator2,
        reason="подмена",
    )
    with pytest.raises(actions.CaseError):
        approve(keyring=keyring_for(personas.coordinator2), approval=approval)
    approval.refresh_from_db()
    assert approval.status == ApprovalRequest.Status.PENDING
    assert not Grant.objects.filter(vault=case.vault, user=personas.coordinator2).exists()


@pytest.mark.django_db
def test_an_approver_who_cannot_open_the_vault_changes_nothing(personas, case) -> None:
    ring = keyring_for(personas.caseworker)
    grant_vault(keyring=ring, vault=case.vault, user=personas.coordinator)
    approval = request_approval(
        keyring=keyring_for(personas.coordinator),
        kind=ApprovalRequest.Kind.DISCLOSE_VAULT,
        vault=case.vault,
        target_user=personas.lawyer,
        reason="консультация",
    )
    with pytest.raises(actions.CaseError, match="cannot open|не можете открыть"):
        approve(keyring=keyring_for(personas.coordinator2), approval=approval)
    approval.refresh_from_db()
    assert approval.status == ApprovalRequest.Status.PENDING and approval.executed_at is None
    assert not Grant.objects.filter(vault=case.vault, user=personas.lawyer).exists()


@pytest.mark.django_db
def test_requests_that_would_change_nothing_or_repeat_are_refused(personas, case) -> None:
    _coordinators_hold(personas, case)
    ring = keyring_for(personas.coordinator)
    kind = ApprovalRequest.Kind.DISCLOSE_VAULT
    with pytest.raises(actions.CaseError, match="already has access|уже есть доступ"):
        request_approval(
            keyring=ring, kind=kind, vault=case.vault, target_user=personas.caseworker, reason="x"
        )
    request_approval(
        keyring=ring, kind=kind, vault=case.vault, target_user=personas.lawyer, reason="x"
    )
    with pytest.raises(actions.CaseError):
        request_approval(
            keyring=ring, kind=kind, vault=case.vault, target_user=personas.lawyer, reason="x"
        )
    with pytest.raises(actions.CaseError):
        request_approval(
            keyring=keyring_for(personas.caseworker),
            kind=kind,
            vault=case.vault,
            target_user=personas.docofficer,
            reason="x",
        )
    assert ApprovalRequest.objects.count() == 1


@pytest.mark.django_db
def test_an_approved_export_is_used_once_and_only_by_who_asked(personas, case) -> None:
    _coordinators_hold(personas, case)
    grant_vault(
        keyring=keyring_for(personas.caseworker), vault=case.vault, user=personas.docofficer
    )
    with pytest.raises(actions.CaseError):
        use_export_approval(actor=personas.docofficer, vault=case.vault)
    approval = request_approval(
        keyring=keyring_for(personas.docofficer),
        kind=ApprovalRequest.Kind.EXPORT_IDENTIFIED,
        vault=case.vault,
        target_user=None,
        reason="для суда",
    )
    with pytest.raises(actions.CaseError):
        use_export_approval(actor=personas.docofficer, vault=case.vault)
    approve(keyring=keyring_for(personas.coordinator), approval=approval)
    with pytest.raises(actions.CaseError):
        use_export_approval(actor=personas.coordinator, vault=case.vault)
    used = use_export_approval(actor=personas.docofficer, vault=case.vault)
    assert used.pk == approval.pk and used.executed_at is not None
    with pytest.raises(actions.CaseError):
        use_export_approval(actor=personas.docofficer, vault=case.vault)


@pytest.mark.django_db
def test_approvals_lapse_undecided_after_a_week_and_unused_after_three_days(
    personas, case, client_for
) -> None:
    _coordinators_hold(personas, case)
    grant_vault(
        keyring=keyring_for(personas.caseworker), vault=case.vault, user=personas.docofficer
    )

    def ask() -> ApprovalRequest:
        return request_approval(
            keyring=keyring_for(personas.docofficer),
            kind=ApprovalRequest.Kind.EXPORT_IDENTIFIED,
            vault=case.vault,
            target_user=None,
            reason="для суда",
        )

    start = timezone.now()
    old = ask()
    with time_machine.travel(start + ApprovalRequest.DECIDE_WITHIN + datetime.timedelta(minutes=1)):
        # Nobody decided within the week: it cannot be approved now, and it does not stand in
        # the way of asking again.
        with translation.override("ru"), pytest.raises(actions.CaseError, match="срок истёк"):
            approve(keyring=keyring_for(personas.coordinator), approval=old)
        page = client_for(personas.coordinator).get("/staff/cases/approvals/").content.decode()
        assert "решение не принято за неделю" in page
        fresh = ask()
        approve(keyring=keyring_for(personas.coordinator), approval=fresh)
    with time_machine.travel(
        start
        + ApprovalRequest.DECIDE_WITHIN
        + ApprovalRequest.USE_WITHIN
        + datetime.timedelta(minutes=2)
    ):
        with pytest.raises(actions.CaseError):
            use_export_approval(actor=personas.docofficer, vault=case.vault)
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == ApprovalRequest.Status.PENDING and fresh.executed_at is None


@pytest.mark.django_db
def test_a_rejected_disclosure_grants_nothing(personas, case) -> None:
    _coordinators_hold(personas, case)
    approval = request_approval(
        keyring=keyring_for(personas.coordinator),
        kind=ApprovalRequest.Kind.DISCLOSE_VAULT,
        vault=case.vault,
        target_user=personas.lawyer,
        reason="x",
    )
    reject(keyring=keyring_for(personas.coordinator2), approval=approval)
    assert not Grant.objects.filter(vault=case.vault, user=personas.lawyer).exists()


@pytest.mark.django_db
def test_an_empty_decision_form_decides_nothing(personas, client_for, case) -> None:  # type: ignore[no-untyped-def]
    _coordinators_hold(personas, case)
    approval = request_approval(
        keyring=keyring_for(personas.coordinator),
        kind=ApprovalRequest.Kind.DISCLOSE_VAULT,
        vault=case.vault,
        target_user=personas.lawyer,
        reason="x",
    )
    client = client_for(personas.coordinator2)
    client.post(f"/staff/cases/approvals/{approval.id}/", {"decision": "maybe"})
    approval.refresh_from_db()
    assert approval.status == ApprovalRequest.Status.PENDING
    client.post(f"/staff/cases/approvals/{approval.id}/", {"decision": "approve"})
    approval.refresh_from_db()
    assert approval.status == ApprovalRequest.Status.APPROVED
    assert keyring_for(personas.lawyer).can_open(case.vault)


@pytest.mark.django_db
def test_people_saved_without_the_index_key_are_indexed_later_and_then_found(
    personas, client_for, index
) -> None:  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.docofficer)  # holds no index grant
    case = actions.create_case(keyring=keyring_for(personas.caseworker), risk="low")
    grant_vault(
        keyring=keyring_for(personas.caseworker), vault=case.vault, user=personas.docofficer
    )
    person = actions.save_person(
        keyring=ring, case=case, values={"given_name": "Хава", "family_name": "Дудаева"}
    )
    person.refresh_from_db()
    assert not person.name_indexed and not NameIndexEntry.objects.filter(person=person).exists()
    client = client_for(personas.caseworker)
    page = client.get("/staff/cases/", {"q": "Dudaeva"}).content.decode()
    assert case.reference not in page and "/staff/cases/search-index/pending/" in page
    assert client.post("/staff/cases/search-index/pending/").status_code == 302
    person.refresh_from_db()
    assert person.name_indexed
    assert case.reference in client.get("/staff/cases/", {"q": "Dudaeva"}).content.decode()


@pytest.mark.django_db
def test_a_coordinator_gives_new_staff_the_search_index(personas, client_for, index) -> None:  # type: ignore[no-untyped-def]
    from haven.testing.personas import make_staff

    newcomer = make_staff("newcw", "caseworker")
    client = client_for(personas.coordinator)
    page = client.get("/staff/cases/search-index/").content.decode()
    without, with_access = page.split("<h2>")[1:3]
    assert "<li>newcw</li>" in without and "<li>cw</li>" in with_access
    response = client.post("/staff/cases/search-index/", {"user": newcomer.pk})
    assert response.status_code == 302
    assert keyring_for(newcomer).can_open(index)
    again = client.post("/staff/cases/search-index/", {"user": newcomer.pk})
    assert again.status_code == 400
    assert Grant.objects.filter(vault=index, user=newcomer).count() == 1


@pytest.mark.django_db
def test_a_coordinator_without_the_index_cannot_give_it(personas, index) -> None:
    from haven.testing.personas import make_staff

    newcomer = make_staff("coord3", "coordinator")
    with pytest.raises(actions.CaseError):
        actions.grant_search_index(keyring=keyring_for(newcomer), user=personas.docofficer)


@pytest.mark.django_db
def test_a_document_moves_on_and_a_bad_status_is_refused_with_nothing_lost(
    personas, client_for, case
) -> None:  # type: ignore[no-untyped-def]
    doc = actions.add_relocation_document(
        keyring=keyring_for(personas.caseworker),
        case=case,
        kind="гуманитарная виза",
        status="to_prepare",
        deadline=datetime.date(2030, 5, 1),
        notes="заметка",
    )
    client = client_for(personas.caseworker)
    url = f"/staff/cases/{case.id}/documents/update/"
    bad = client.post(url, {"document": doc.id, "status": "lost_in_post", "deadline": "2030-02-30"})
    assert bad.status_code == 400
    doc.refresh_from_db()
    assert doc.status == "to_prepare" and doc.deadline == datetime.date(2030, 5, 1)
    ok = client.post(url, {"document": doc.id, "status": "granted", "deadline": "2030-06-01"})
    assert ok.status_code == 302
    doc.refresh_from_db()
    assert (doc.status, doc.deadline) == ("granted", datetime.date(2030, 6, 1))
    assert keyring_for(personas.caseworker).open(case.vault).unseal(doc, "notes") == "заметка"


@pytest.mark.django_db
def test_a_document_of_another_case_cannot_be_changed_through_this_one(
    personas, client_for, case
) -> None:  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.caseworker)
    other = actions.create_case(keyring=ring, risk="low")
    doc = actions.add_relocation_document(
        keyring=ring, case=other, kind="паспорт", status="to_prepare", deadline=None
    )
    response = client_for(personas.caseworker).post(
        f"/staff/cases/{case.id}/documents/update/", {"document": doc.id, "status": "granted"}
    )
    assert response.status_code == 400
    assert RelocationDocument.objects.get(pk=doc.pk).status == "to_prepare"


@pytest.mark.django_db
def test_an_impossible_due_date_keeps_the_typed_task(personas, client_for, case) -> None:  # type: ignore[no-untyped-def]
    response = client_for(personas.caseworker).post(
        f"/staff/cases/{case.id}/tasks/",
        {"kind": "court_deadline", "title": "апелляция в суд", "due_date": "2027-02-30"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Введите правильную дату." in body and "апелляция в суд" in body
    assert not case.tasks.exists()


@pytest.mark.django_db
def test_the_list_filters_by_assignee_and_by_tasks_due_soon(personas, client_for, case) -> None:  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.caseworker)
    other = actions.create_case(keyring=ring, risk="low")
    actions.assign(keyring=ring, case=other, user=personas.lawyer)
    from django.utils import timezone

    today = timezone.localdate()
    actions.add_task(
        keyring=ring, case=case, kind="other", title="x", due_date=today + datetime.timedelta(3)
    )
    actions.add_task(
        keyring=ring, case=other, kind="other", title="y", due_date=today + datetime.timedelta(20)
    )
    client = client_for(personas.caseworker)
    by_lawyer = client.get("/staff/cases/", {"assignee": personas.lawyer.pk}).content.decode()
    assert other.reference in by_lawyer and case.reference not in by_lawyer
    week = client.get("/staff/cases/", {"due_within": "7"}).content.decode()
    assert case.reference in week and other.reference not in week
    month = client.get("/staff/cases/", {"due_within": "30"}).content.decode()
    assert case.reference in month and other.reference in month
    assert Case.objects.count() == 2 and Person.objects.count() == 1


@pytest.mark.django_db
def test_a_fresh_installation_sets_up_name_search_from_the_page_and_finds_people_saved_before(
    personas, client_for
) -> None:  # type: ignore[no-untyped-def]
    from haven.vault.blind_index import index_vault
    from haven.vault.models import Vault

    assert index_vault() is None
    case = actions.create_case(keyring=keyring_for(personas.caseworker), risk="low")
    actions.save_person(
        keyring=keyring_for(personas.caseworker),
        case=case,
        values={"given_name": "Хава", "family_name": "Дудаева"},
    )
    coordinator = client_for(personas.coordinator)
    page = coordinator.get("/staff/cases/search-index/", HTTP_ACCEPT_LANGUAGE="ru")
    assert "Настроить поиск по имени" in page.content.decode()
    assert client_for(personas.operator).post(
        "/staff/cases/search-index/", {"set_up": "1"}
    ).status_code in (403, 404)
    assert index_vault() is None

    done = coordinator.post("/staff/cases/search-index/", {"set_up": "1"}, follow=True)
    assert "Поисковый индекс готов" in done.content.decode()  # the language chosen above
    index = index_vault()
    assert index is not None and keyring_for(personas.coordinator).can_open(index)
    again = coordinator.post("/staff/cases/search-index/", {"set_up": "1"}, follow=True)
    assert "Поисковый индекс уже настроен" in again.content.decode()
    assert Vault.objects.filter(kind=Vault.Kind.INDEX).count() == 1

    assert (
        coordinator.post("/staff/cases/search-index/", {"user": personas.caseworker.pk}).status_code
        == 302
    )
    caseworker = client_for(personas.caseworker)
    assert case.reference not in caseworker.get("/staff/cases/", {"q": "Dudaeva"}).content.decode()
    assert caseworker.post("/staff/cases/search-index/pending/").status_code == 302
    assert case.reference in caseworker.get("/staff/cases/", {"q": "Dudaeva"}).content.decode()

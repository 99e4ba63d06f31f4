"""No one person can take the organisation apart (invariant 9): suspending is immediate and
reversible; burning someone else needs a second coordinator; the last administrator and the last
coordinator stay; a vault nobody else can open is not lost without an explicit, listed "yes"."""

from __future__ import annotations

import pytest
from django.test import Client

from haven.accounts import actions
from haven.accounts.models import Role, StaffSession, User
from haven.alerts.models import Notification
from haven.audit.models import AuditEvent
from haven.cases import approvals
from haven.cases.errors import CaseError
from haven.cases.models import ApprovalRequest, Case
from haven.testing.personas import PASSWORD, current_code, keyring_for, make_staff
from haven.vault.actions import create_vault
from haven.vault.models import Grant

pytestmark = pytest.mark.django_db


def _vault_held_by(*users):  # type: ignore[no-untyped-def]
    keyring = keyring_for(users[0])
    vault = create_vault(actor=users[0], kind="case", members=list(users), keyring=keyring)
    Case.objects.create(vault=vault)
    return vault


def _sign_in_status(user: User) -> int:
    user.refresh_from_db()
    return (
        Client()
        .post(
            "/staff/login/",
            {"username": user.username, "password": PASSWORD, "otp_token": current_code(user)},
        )
        .status_code
    )


def test_one_coordinator_suspends_an_account_at_once_and_its_sign_in_is_refused(
    personas, client_for
) -> None:
    victim = client_for(personas.caseworker)
    coordinator = client_for(personas.coordinator)
    response = coordinator.post(f"/staff/accounts/{personas.caseworker.pk}/suspend/")
    assert response.status_code == 302
    assert not StaffSession.objects.filter(user=personas.caseworker).exists()
    assert victim.get("/staff/").status_code == 302
    assert _sign_in_status(personas.caseworker) == 200  # the sign-in page again, same message
    page = coordinator.get(f"/staff/accounts/{personas.caseworker.pk}/").content.decode()
    assert "приостановлен" in page
    assert AuditEvent.objects.filter(
        action="account.suspend", object_id=str(personas.caseworker.pk)
    ).exists()


def test_a_coordinator_lifts_a_suspension_and_every_grant_works_again(personas, client_for) -> None:
    vault = _vault_held_by(personas.caseworker, personas.coordinator)
    actions.suspend_account(actor=personas.admin, user=personas.caseworker)
    response = client_for(personas.coordinator2).post(
        f"/staff/accounts/{personas.caseworker.pk}/unsuspend/"
    )
    assert response.status_code == 302
    assert _sign_in_status(personas.caseworker) == 302
    assert keyring_for(personas.caseworker).can_open(vault)
    assert AuditEvent.objects.filter(action="account.unsuspend").exists()


def test_an_administrator_cannot_lift_a_suspension(personas, client_for) -> None:
    actions.suspend_account(actor=personas.coordinator, user=personas.caseworker)
    response = client_for(personas.admin).post(
        f"/staff/accounts/{personas.caseworker.pk}/unsuspend/"
    )
    assert response.status_code == 403
    personas.caseworker.refresh_from_db()
    assert personas.caseworker.suspended_at is not None


def test_a_burn_waits_for_a_second_coordinator_and_the_requester_cannot_approve_it(
    personas, client_for
) -> None:
    _vault_held_by(personas.coordinator, personas.caseworker)
    first = client_for(personas.coordinator)
    assert (
        first.post(f"/staff/accounts/{personas.caseworker.pk}/burn/", {"confirm": "on"}).status_code
        == 302
    )
    approval = ApprovalRequest.objects.get(kind="burn_account")
    assert Notification.objects.filter(
        recipient=personas.coordinator2, kind="approval_needed", link="/staff/accounts/burns/"
    ).exists()
    # Suspended at once, not yet burned.
    personas.caseworker.refresh_from_db()
    assert personas.caseworker.suspended_at and personas.caseworker.burned_at is None
    assert Grant.objects.filter(user=personas.caseworker).exists()
    # The requester cannot approve it, however often they try.
    for _ in range(2):
        first.post(f"/staff/accounts/burns/{approval.id}/", {"decision": "approve"})
    assert Grant.objects.filter(user=personas.caseworker).exists()
    page = client_for(personas.coordinator2).get("/staff/accounts/burns/").content.decode()
    assert personas.caseworker.username in page and "Одобрить сожжение" in page
    assert "Одобрить сожжение" not in first.get("/staff/accounts/burns/").content.decode()
    second = client_for(personas.coordinator2)
    assert (
        second.post(f"/staff/accounts/burns/{approval.id}/", {"decision": "approve"}).status_code
        == 302
    )
    personas.caseworker.refresh_from_db()
    assert personas.caseworker.burned_at is not None
    assert not Grant.objects.filter(user=personas.caseworker).exists()
    approval.refresh_from_db()
    assert approval.status == "approved" and approval.decided_by == personas.coordinator2


def test_a_rejected_burn_leaves_the_account_suspended_and_reversible(personas) -> None:
    row = approvals.request_account_burn(actor=personas.coordinator, account=personas.lawyer)
    approvals.decide_approval(
        keyring=keyring_for(personas.coordinator2), approval=row, approve=False
    )
    personas.lawyer.refresh_from_db()
    assert personas.lawyer.burned_at is None and personas.lawyer.suspended_at is not None
    actions.unsuspend_account(actor=personas.coordinator2, user=personas.lawyer)
    assert _sign_in_status(personas.lawyer) == 302


def test_a_coordinator_cannot_decide_the_burn_of_their_own_account(personas) -> None:
    row = approvals.request_account_burn(actor=personas.coordinator, account=personas.coordinator2)
    with pytest.raises(CaseError):
        approvals.decide_approval(
            keyring=keyring_for(personas.coordinator2), approval=row, approve=True
        )
    personas.coordinator2.refresh_from_db()
    assert personas.coordinator2.burned_at is None


def test_a_burn_that_would_leave_a_vault_unreadable_lists_it_and_needs_an_explicit_yes(
    personas, client_for
) -> None:
    vault = _vault_held_by(personas.caseworker)
    reference = Case.objects.get(vault=vault).reference
    coordinator = client_for(personas.coordinator)
    page = coordinator.get(f"/staff/accounts/{personas.caseworker.pk}/").content.decode()
    assert reference in page  # listed before anyone presses anything
    refused = coordinator.post(f"/staff/accounts/{personas.caseworker.pk}/burn/", {"confirm": "on"})
    assert refused.status_code == 400
    assert reference in refused.content.decode()
    assert not ApprovalRequest.objects.exists()
    personas.caseworker.refresh_from_db()
    assert personas.caseworker.suspended_at is None
    accepted = coordinator.post(
        f"/staff/accounts/{personas.caseworker.pk}/burn/",
        {"confirm": "on", "accept_unreadable": "on"},
    )
    assert accepted.status_code == 302
    assert ApprovalRequest.objects.filter(kind="burn_account").count() == 1


def test_the_last_administrator_cannot_be_demoted_suspended_or_burned(personas, client_for) -> None:
    admin = personas.admin
    second_admin = make_staff("admin2", Role.ADMIN)
    demoted = client_for(second_admin).post(
        f"/staff/accounts/{admin.pk}/roles/", {"roles": ["caseworker"]}
    )
    assert demoted.status_code == 302  # two administrators: one may go
    admin.__dict__.pop("roles", None)
    assert admin.roles == {"caseworker"}
    refused = client_for(personas.admin).post(
        f"/staff/accounts/{second_admin.pk}/roles/", {"roles": ["caseworker"]}
    )
    assert refused.status_code in (403, 400)  # no longer an admin, or the last one
    with pytest.raises(actions.AccountError):
        actions.set_roles(actor=second_admin, user=second_admin, roles=["caseworker"])
    with pytest.raises(actions.AccountError):
        actions.suspend_account(actor=personas.coordinator, user=second_admin)
    with pytest.raises(CaseError):
        approvals.request_account_burn(actor=personas.coordinator, account=second_admin)
    second_admin.__dict__.pop("roles", None)
    assert second_admin.roles == {"admin"} and second_admin.is_active


def test_the_last_coordinator_cannot_be_suspended_or_burned(personas) -> None:
    actions.suspend_account(actor=personas.coordinator, user=personas.coordinator2)
    with pytest.raises(actions.AccountError):
        actions.suspend_account(actor=personas.admin, user=personas.coordinator)
    with pytest.raises(CaseError):
        approvals.request_account_burn(actor=personas.admin, account=personas.coordinator)
    personas.coordinator.refresh_from_db()
    assert personas.coordinator.is_active and personas.coordinator.suspended_at is None


def test_a_persons_own_panic_burn_is_one_press(personas, client_for) -> None:
    _vault_held_by(personas.coordinator, personas.caseworker)
    own = client_for(personas.coordinator)
    response = own.post(f"/staff/accounts/{personas.coordinator.pk}/burn/", {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == "/staff/login/"
    personas.coordinator.refresh_from_db()
    assert personas.coordinator.burned_at is not None
    assert not Grant.objects.filter(user=personas.coordinator).exists()
    assert not ApprovalRequest.objects.exists()
    assert own.get("/staff/").status_code == 302


def test_a_reset_that_would_leave_a_vault_unreadable_is_refused(personas, client_for) -> None:
    vault = _vault_held_by(personas.caseworker)
    response = client_for(personas.admin).post(
        f"/staff/accounts/{personas.caseworker.pk}/reset/", {"confirm": "on"}
    )
    assert response.status_code == 400
    assert Grant.objects.filter(user=personas.caseworker, vault=vault).exists()


def test_the_exposure_report_shows_what_a_burned_account_could_have_revealed(
    personas, client_for
) -> None:
    from haven.cases.models import Person

    vault = _vault_held_by(personas.caseworker, personas.coordinator)
    case = Case.objects.get(vault=vault)
    for name in ("Аслан", "Салех"):
        person = Person(case=case, vault=vault)
        keyring_for(personas.caseworker).open(vault).seal(person, given_name=name)
        person.save()
    row = approvals.request_account_burn(actor=personas.coordinator, account=personas.caseworker)
    approvals.decide_approval(
        keyring=keyring_for(personas.coordinator2), approval=row, approve=True
    )
    page = client_for(personas.coordinator).get("/staff/exposure/").content.decode()
    burned = page.split('id="burned-exposure"')[1]
    assert personas.caseworker.username in burned
    cells = burned.split(personas.caseworker.username)[1].split("</tr>")[0]
    assert "<td>1</td><td>2</td>" in cells  # one vault, two people


def test_unassigning_the_only_person_who_can_open_a_case_is_refused(personas) -> None:
    from haven.cases import actions as case_actions

    case = case_actions.create_case(keyring=keyring_for(personas.caseworker), risk="high")
    holders = set(Grant.objects.filter(vault=case.vault).values_list("user_id", flat=True))
    assert holders == {personas.caseworker.pk}
    if not case.assignments.filter(user=personas.caseworker).exists():
        case_actions.assign(
            keyring=keyring_for(personas.caseworker), case=case, user=personas.caseworker
        )
    with pytest.raises(CaseError):
        case_actions.unassign(actor=personas.coordinator, case=case, user=personas.caseworker)
    assert Grant.objects.filter(vault=case.vault, user=personas.caseworker).exists()


def test_a_pending_burn_shows_on_the_account_page_and_on_the_second_coordinators_dashboard(
    personas, client_for
) -> None:
    # The account page learns of the request from cases (the `account_pending_burn` hook), and
    # the dashboard panel comes from cases too: accounts imports no domain app.
    target = personas.caseworker
    burn_link = 'href="/staff/accounts/burns/"'
    second = client_for(personas.coordinator2)
    assert burn_link not in second.get(f"/staff/accounts/{target.pk}/").content.decode()
    assert burn_link not in second.get("/staff/").content.decode()
    approvals.request_account_burn(actor=personas.coordinator, account=target)
    account_page = second.get(f"/staff/accounts/{target.pk}/").content.decode()
    assert burn_link in account_page and personas.coordinator.username in account_page
    assert burn_link in second.get("/staff/").content.decode()
    # The requester is not asked to decide their own request.
    assert burn_link not in client_for(personas.coordinator).get("/staff/").content.decode()

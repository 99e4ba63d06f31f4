"""A case opened from a hotline request is the same kind of case as one opened by hand: one
action creates both, with its vetting checklist, so it can be vetted, decided and placed."""

from __future__ import annotations

import pytest
from django.apps import apps

from haven.cases import actions
from haven.cases.models import Case, CaseAssignment, Vetting
from haven.intake import actions as intake_actions
from haven.testing.personas import keyring_for
from haven.vault.actions import grant_vault


@pytest.fixture
def opened_from_request(personas) -> Case:  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.coordinator)
    vault = intake_actions.set_up_intake_vault(actor=personas.coordinator, keyring=ring)
    grant_vault(keyring=ring, vault=vault, user=personas.operator)
    request = intake_actions.submit_request(
        text="Меня ищут, нужна помощь", felt_urgency="now", contact="", files=[], language="ru"
    ).request
    return intake_actions.open_case(
        keyring=keyring_for(personas.operator), request=request, caseworker=personas.caseworker
    )


@pytest.mark.django_db
def test_a_case_opened_from_a_request_passes_the_checklist_and_the_coordinators_decision(
    personas, client_for, opened_from_request
) -> None:  # type: ignore[no-untyped-def]
    case = opened_from_request
    actions.assign(keyring=keyring_for(personas.caseworker), case=case, user=personas.coordinator)
    saved = client_for(personas.caseworker).post(
        f"/staff/cases/{case.id}/vetting/",
        {"identity_corroborated": "on", "interview_done": "on", "red_flags": ""},
    )
    assert saved.status_code == 302
    decided = client_for(personas.coordinator).post(
        f"/staff/cases/{case.id}/vetting/decide/", {"decision": "approved"}
    )
    assert decided.status_code == 302
    vetting = Vetting.objects.get(case=case)
    assert vetting.identity_corroborated and vetting.interview_done
    assert (vetting.decision, vetting.decided_by) == ("approved", personas.coordinator)


@pytest.mark.django_db
def test_both_ways_of_opening_a_case_give_the_same_checklist_and_assignment(
    personas, opened_from_request
) -> None:  # type: ignore[no-untyped-def]
    by_hand = actions.create_case(
        keyring=keyring_for(personas.coordinator), risk="high", caseworker=personas.caseworker
    )
    for case in (opened_from_request, by_hand):
        assert Vetting.objects.get(case=case).decision == Vetting.Decision.PENDING
        assert list(
            CaseAssignment.objects.filter(case=case).values_list("user__username", flat=True)
        ) == ["cw"]
    assert opened_from_request.risk == Case.Risk.HIGH  # the person said "now"


@pytest.mark.django_db
def test_the_migration_gives_an_old_case_from_a_request_its_missing_checklist(
    personas, opened_from_request
) -> None:  # type: ignore[no-untyped-def]
    from importlib import import_module

    Vetting.objects.filter(case=opened_from_request).delete()  # as open_case left it before
    migration = import_module("haven.cases.migrations.0007_vetting_for_cases_opened_from_requests")
    migration.add_missing_vetting(apps, None)
    assert Vetting.objects.get(case=opened_from_request).vault_id == opened_from_request.vault_id
    migration.add_missing_vetting(apps, None)  # idempotent: a second run adds nothing
    assert Vetting.objects.filter(case=opened_from_request).count() == 1

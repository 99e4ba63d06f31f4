"""What the authorisation matrix cannot say about case views: a coordinator who holds the case
against one who does not (the matrix has a single coordinator persona)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from haven.cases import actions
from haven.cases.models import ApprovalRequest
from haven.testing.personas import keyring_for

# The coordinator's own views on a case. The matrix has one coordinator, who holds no grant to
# its fixture case (so its rows are 404), and approval ids there name nothing: what a coordinator
# who holds the case gets, and that another coordinator gets the "not yours" 404 for a real
# approval, is tested here; every other persona, method and role is a matrix row (tests/authz.py).
VIEWS: list[tuple[str, tuple[str, ...]]] = [
    ("cases-approval-decide", ("approval",)),
    ("cases-vetting-decide", ("case",)),
    ("cases-approval-request", ("case",)),
]


@pytest.fixture
def objects(personas, case) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.caseworker)
    task = actions.add_task(
        keyring=ring, case=case, kind="other", title="звонок", due_date=datetime.date(2030, 1, 1)
    )
    actions.assign(keyring=ring, case=case, user=personas.coordinator)
    approval = actions.request_approval(
        keyring=keyring_for(personas.coordinator),
        kind=ApprovalRequest.Kind.DISCLOSE_VAULT,
        vault=case.vault,
        target_user=personas.lawyer,
        reason="консультация",
    )
    return {
        "case_id": case.id,
        "task_id": task.id,
        "person_id": case.people.get().id,
        "approval_id": approval.id,
    }


def _url(name: str, needs: tuple[str, ...], objects: dict[str, Any]) -> str:
    return reverse(name, kwargs={f"{n}_id": objects[f"{n}_id"] for n in needs})


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "needs"), VIEWS)
def test_a_coordinator_acts_on_a_case_they_hold_and_another_coordinator_finds_nothing(
    personas, client_for, objects, name, needs
) -> None:  # type: ignore[no-untyped-def]
    url = _url(name, needs, objects)
    assert client_for(personas.coordinator).post(url).status_code not in (403, 404, 405, 500)
    assert client_for(personas.coordinator2).post(url).status_code == 404

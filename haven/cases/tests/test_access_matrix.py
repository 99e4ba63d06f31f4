"""Every case view against the personas: outsider 404, wrong role 403, wrong method 405."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from haven.cases import actions
from haven.cases.models import ApprovalRequest
from haven.testing.personas import keyring_for

# url name, ids it needs, the allowed method, a method it refuses, an allowed persona, a wrong
# role, and a persona of an allowed role who holds no grant (None: the view is not case-scoped).
VIEWS: list[tuple[str, tuple[str, ...], str, str, str, str, str | None]] = [
    ("cases-list", (), "get", "post", "caseworker", "admin", None),
    ("cases-create", (), "get", "put", "caseworker", "lawyer", None),
    ("cases-approvals", (), "get", "post", "coordinator2", "caseworker", None),
    (
        "cases-approval-decide",
        ("approval",),
        "post",
        "get",
        "coordinator",
        "caseworker",
        "coordinator2",
    ),
    ("cases-search-index", (), "get", "put", "coordinator", "caseworker", None),
    ("cases-index-pending", (), "post", "get", "caseworker", "admin", None),
    ("cases-exposure", (), "get", "post", "admin", "caseworker", None),
    ("cases-detail", ("case",), "get", "post", "caseworker", "admin", "outsider"),
    ("cases-person-new", ("case",), "get", "put", "caseworker", "lawyer", "outsider"),
    ("cases-person-edit", ("case", "person"), "get", "put", "caseworker", "lawyer", "outsider"),
    ("cases-transition", ("case",), "post", "get", "caseworker", "admin", "outsider"),
    ("cases-note", ("case",), "post", "get", "caseworker", "operator", "outsider"),
    ("cases-task", ("case",), "post", "get", "caseworker", "admin", "outsider"),
    ("cases-task-done", ("case", "task"), "post", "get", "caseworker", "admin", "outsider"),
    ("cases-assign", ("case",), "post", "get", "caseworker", "lawyer", "outsider"),
    ("cases-unassign", ("case",), "post", "get", "caseworker", "lawyer", "outsider"),
    ("cases-vetting", ("case",), "post", "get", "caseworker", "admin", "outsider"),
    ("cases-vetting-decide", ("case",), "post", "get", "coordinator", "caseworker", "coordinator2"),
    ("cases-relocation", ("case",), "post", "get", "caseworker", "docofficer", "outsider"),
    ("cases-document", ("case",), "post", "get", "caseworker", "admin", "outsider"),
    ("cases-document-update", ("case",), "post", "get", "caseworker", "admin", "outsider"),
    (
        "cases-approval-request",
        ("case",),
        "post",
        "get",
        "coordinator",
        "caseworker",
        "coordinator2",
    ),
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


def test_the_matrix_covers_every_case_url() -> None:
    from haven.cases.urls import urlpatterns

    assert {p.name for p in urlpatterns} == {row[0] for row in VIEWS}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "needs", "method", "wrong_method", "allowed", "wrong_role", "outsider"), VIEWS
)
def test_each_case_view_refuses_the_wrong_role_method_and_outsider(
    personas, client_for, objects, name, needs, method, wrong_method, allowed, wrong_role, outsider
) -> None:  # type: ignore[no-untyped-def]
    url = _url(name, needs, objects)
    client = client_for(getattr(personas, allowed))
    assert getattr(client, method)(url).status_code not in (403, 404, 405, 500)
    assert getattr(client, wrong_method)(url).status_code == 405
    assert getattr(client_for(getattr(personas, wrong_role)), method)(url).status_code == 403
    if outsider is not None:
        assert getattr(client_for(getattr(personas, outsider)), method)(url).status_code == 404

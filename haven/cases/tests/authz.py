"""Authorisation matrix rows for this app's URLs (format: haven/testing/authz.py).

Columns: anonymous outsider operator caseworker coordinator lawyer docofficer admin.
`login` is a redirect to the sign-in page. URLs without a FIXTURES entry are called with
parameters naming nothing, so their object rows show what a missing object gives.
"""

from __future__ import annotations

# fmt: off
EXPECT = {
    "cases-list": {
        "GET": "login  200    403    200    200    200    200    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-create": {
        "GET": "login  200    403    200    200    403    403    403",
        "POST": "login  400    403    400    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-approvals": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-approval-decide": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-detail": {
        "GET": "login  404    403    200    404    404    404    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-person-new": {
        "GET": "login  404    403    200    404    403    403    403",
        "POST": "login  404    403    400    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-person-edit": {
        "GET": "login  404    403    200    404    403    403    403",
        "POST": "login  404    403    400    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-transition": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    400    404    404    404    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-note": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    400    404    404    404    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-task": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    400    404    404    404    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-task-done": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    302    404    404    404    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-assign": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    400    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-unassign": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    400    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-vetting": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    302    404    404    404    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-vetting-decide": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-relocation": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    302    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-document": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    400    404    404    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-approval-request": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-exposure": {
        "GET": "login  403    403    403    200    403    403    200",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-search-index": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-index-pending": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  302    403    302    302    302    302    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "cases-document-update": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    400    404    404    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
}
# fmt: on


def _assigned_case(world):  # type: ignore[no-untyped-def]
    """A case the caseworker persona holds (a grant); the outsider and others hold none."""
    from haven.cases import actions
    from haven.testing.personas import keyring_for
    from haven.vault import blind_index

    if blind_index.index_vault() is None:
        blind_index.set_up_index_vault(
            actor=world.user("coordinator"),
            keyring=keyring_for(world.user("coordinator")),
            members=[world.user("caseworker")],
        )
    ring = keyring_for(world.user("caseworker"))
    case = actions.create_case(keyring=ring, risk="high")
    person = actions.save_person(keyring=ring, case=case, values={"given_name": "Зелимхан"})
    return {"case_id": case.id, "person_id": person.id}


def _case_only(world):  # type: ignore[no-untyped-def]
    return {"case_id": _assigned_case(world)["case_id"]}


def _task(world):  # type: ignore[no-untyped-def]
    import datetime as dt

    from haven.cases import actions
    from haven.cases.models import Case
    from haven.testing.personas import keyring_for

    case_id = _case_only(world)["case_id"]
    task = actions.add_task(
        keyring=keyring_for(world.user("caseworker")),
        case=Case.objects.get(pk=case_id),
        kind="other",
        title="позвонить",
        due_date=dt.date(2030, 1, 1),
    )
    return {"case_id": case_id, "task_id": task.id}


# Every URL that names a case gets a real one, held by the caseworker persona alone: the rows
# then show real decisions (the outsider, also a caseworker, gets 404; the wrong role 403; the
# caseworker 200, or 400 for the matrix's empty form). Approval ids stay missing objects.
FIXTURES = dict.fromkeys(
    (
        "cases-detail",
        "cases-person-new",
        "cases-transition",
        "cases-note",
        "cases-task",
        "cases-assign",
        "cases-unassign",
        "cases-vetting",
        "cases-vetting-decide",
        "cases-relocation",
        "cases-document",
        "cases-document-update",
        "cases-approval-request",
    ),
    _case_only,
) | {"cases-person-edit": _assigned_case, "cases-task-done": _task}

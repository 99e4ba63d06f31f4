"""Authorisation matrix rows for this app's URLs (format: haven/testing/authz.py).

Columns: anonymous outsider operator caseworker coordinator lawyer docofficer admin.
`login` is a redirect to the sign-in page. URLs without a FIXTURES entry are called with
parameters naming nothing, so their object rows show what a missing object gives.
"""

from __future__ import annotations

# fmt: off
EXPECT = {
    "accounts-login": {
        "GET": "200    302    302    302    302    302    302    302",
        "POST": "200    302    302    302    302    302    302    302",
        "PUT": "405    405    405    405    405    405    405    405",
        "DELETE": "405    405    405    405    405    405    405    405",
    },
    "accounts-logout": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  login  login  login  login  login  login  login",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "accounts-password": {
        "GET": "login  200    200    200    200    200    200    200",
        "POST": "login  200    200    200    200    200    200    200",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "accounts-duress": {
        "GET": "login  200    200    200    200    200    200    200",
        "POST": "login  200    200    200    200    200    200    200",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "accounts-list": {
        "GET": "login  403    403    403    200    403    403    200",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "accounts-create": {
        "GET": "login  403    403    403    403    403    403    200",
        "POST": "login  403    403    403    403    403    403    200",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "accounts-detail": {
        "GET": "login  403    403    403    200    403    403    200",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "accounts-roles": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    403    403    403    400",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "accounts-burn": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    400    403    403    400",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "accounts-reset": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    403    403    403    400",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "accounts-suspend": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    302    403    403    400",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "accounts-unsuspend": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "accounts-burn-requests": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "accounts-burn-decide": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    302    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
}
# fmt: on


def _staff_member(world):  # type: ignore[no-untyped-def]
    """A throwaway account to look at: POSTs with empty forms must not touch a persona."""
    import uuid

    from haven.accounts.models import Role
    from haven.testing.personas import make_staff

    return {"user_id": make_staff(f"target-{uuid.uuid4().hex[:8]}", Role.CASEWORKER).pk}


def _burn_request(world):  # type: ignore[no-untyped-def]
    """A burn request by the second coordinator, for the first to decide (an empty post decides
    nothing: a message and back to the list)."""
    from haven.cases.approvals import request_account_burn

    account = _staff_member(world)["user_id"]
    from haven.accounts.models import User

    row = request_account_burn(
        actor=world.user("coordinator2"), account=User.objects.get(pk=account)
    )
    return {"approval_id": row.id}


FIXTURES = {
    **dict.fromkeys(
        (
            "accounts-detail",
            "accounts-roles",
            "accounts-burn",
            "accounts-reset",
            "accounts-suspend",
            "accounts-unsuspend",
        ),
        _staff_member,
    ),
    "accounts-burn-decide": _burn_request,
}

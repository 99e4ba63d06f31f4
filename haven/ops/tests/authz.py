"""Authorisation matrix rows for this app's URLs (format: haven/testing/authz.py).

Columns: anonymous outsider operator caseworker coordinator lawyer docofficer admin.
`login` is a redirect to the sign-in page. URLs without a FIXTURES entry are called with
parameters naming nothing, so their object rows show what a missing object gives.
"""

from __future__ import annotations

# fmt: off
EXPECT = {
    "ops-wipe": {
        "GET": "login  403    403    403    403    403    403    200",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "ops-wipe-start": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    403    403    403    400",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "ops-wipe-confirm": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    403    403    403    400",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "ops-wipe-cancel": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    403    403    403    302",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
}
# fmt: on


def _pending_wipe(world):  # type: ignore[no-untyped-def]
    """A wipe waiting for confirmation, started by the admin persona (who therefore cannot
    confirm it: an empty form gives 400 before that rule, which test_wipe.py covers)."""
    import datetime as dt

    from django.utils import timezone

    from haven.ops.models import WipeRequest

    now = timezone.now()
    request = WipeRequest.objects.create(
        started_by=world.user("admin"), started_at=now, expires_at=now + dt.timedelta(hours=1)
    )
    return {"request_id": request.pk}


FIXTURES = {"ops-wipe-confirm": _pending_wipe, "ops-wipe-cancel": _pending_wipe}

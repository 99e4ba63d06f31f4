"""Authorisation matrix rows for this app's URLs (format: haven/testing/authz.py).

Columns: anonymous outsider operator caseworker coordinator lawyer docofficer admin.
`login` is a redirect to the sign-in page. URLs without a FIXTURES entry are called with
parameters naming nothing, so their object rows show what a missing object gives.
"""

from __future__ import annotations

# fmt: off
EXPECT = {
    # No persona holds the monitoring token: everyone, staff included, gets the 404 of a page
    # that does not exist (test_healthz.py covers the token and the networks).
    "safety-healthz": {
        "GET": "404    404    404    404    404    404    404    404",
        "POST": "405    405    405    405    405    405    405    405",
        "PUT": "405    405    405    405    405    405    405    405",
        "DELETE": "405    405    405    405    405    405    405    405",
    },
    "safety-checkin": {
        "GET": "302    302    302    302    302    302    302    302",
        "POST": "302    302    302    302    302    302    302    302",
        "PUT": "405    405    405    405    405    405    405    405",
        "DELETE": "405    405    405    405    405    405    405    405",
    },
    "safety-panic": {
        "GET": "302    302    302    302    302    302    302    302",
        "POST": "302    302    302    302    302    302    302    302",
        "PUT": "405    405    405    405    405    405    405    405",
        "DELETE": "405    405    405    405    405    405    405    405",
    },
    "safety-board": {
        "GET": "login  200    403    200    200    200    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-roster": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-channels": {
        "GET": "login  200    200    200    200    200    200    200",
        "POST": "login  400    400    400    400    400    400    400",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-channel-delete": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    404    302    404    404    404    404",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-incident": {
        "GET": "login  404    403    200    404    404    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-incident-ack": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    302    404    404    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-incident-resolve": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    302    404    404    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-watch-edit": {
        "GET": "login  404    403    200    404    403    403    403",
        "POST": "login  404    403    400    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-staff-checkin": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    302    404    404    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-houses": {
        "GET": "login  200    403    200    200    403    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-house-create": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-house": {
        "GET": "login  404    403    404    200    403    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-house-place": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    404    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-house-disclose": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-house-compromised": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    404    302    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-watch-pause": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    302    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-shift-remove": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    302    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-placement-end": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    404    302    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-house-status": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
}
# fmt: on


# Real objects for every URL that names one, so that the rows show real access decisions. The
# watched case is held by the caseworker persona alone (the outsider is a caseworker without the
# grant); the safe house by the coordinator persona, who created it.


def _case(world):  # type: ignore[no-untyped-def]
    from haven.cases import actions
    from haven.testing.personas import keyring_for

    return actions.create_case(keyring=keyring_for(world.user("caseworker")), risk="high")


def _watch(world):  # type: ignore[no-untyped-def]
    from haven.safety import actions

    return actions.save_watch(
        actor=world.user("caseworker"),
        case=_case(world),
        interval_minutes=12 * 60,
        fixed_times=[],
        time_zone="Europe/Moscow",
        grace_minutes=30,
        pin="2468",
    )


def _house(world):  # type: ignore[no-untyped-def]
    import uuid

    from haven.safety import actions
    from haven.testing.personas import keyring_for

    return actions.create_house(
        keyring=keyring_for(world.user("coordinator")),
        code=f"Birch-{uuid.uuid4().hex[:6]}",
        capacity=3,
        address="ул. Тайная 7",
        access_instructions="",
        host_contact="",
    )


def _case_kwargs(world):  # type: ignore[no-untyped-def]
    return {"case_id": _case(world).id}


def _watch_kwargs(world):  # type: ignore[no-untyped-def]
    return {"watch_id": _watch(world).id}


def _incident_kwargs(world):  # type: ignore[no-untyped-def]
    from haven.safety import actions

    watch = _watch(world)
    incident = actions.open_incident(kind="missed_checkin", case=watch.case, watch=watch)
    return {"incident_id": incident.id}


def _house_kwargs(world):  # type: ignore[no-untyped-def]
    return {"house_id": _house(world).id}


def _placement_kwargs(world):  # type: ignore[no-untyped-def]
    from haven.cases import actions as case_actions
    from haven.safety import actions

    house = _house(world)
    case = _case(world)
    case_actions.decide_vetting(actor=world.user("coordinator"), case=case, decision="approved")
    placement = actions.place(actor=world.user("coordinator"), house=house, case=case)
    return {"house_id": house.id, "placement_id": placement.id}


def _shift_kwargs(world):  # type: ignore[no-untyped-def]
    import datetime as dt

    from django.utils import timezone

    from haven.safety import actions

    now = timezone.now()
    shift = actions.add_shift(
        actor=world.user("coordinator"),
        user=world.user("lawyer"),
        starts_at=now,
        ends_at=now + dt.timedelta(hours=8),
        time_zone="UTC",
    )
    return {"shift_id": shift.id}


def _channel_kwargs(world):  # type: ignore[no-untyped-def]
    from haven.safety.channels import seal_url
    from haven.safety.models import Channel

    channel = Channel(user=world.user("caseworker"), label="test", priority=1)
    channel.encrypted_url = seal_url(channel.id, "outbox://matrix")
    channel.save()
    return {"channel_id": channel.id}


FIXTURES = {
    "safety-watch-edit": _case_kwargs,
    "safety-staff-checkin": _watch_kwargs,
    "safety-watch-pause": _watch_kwargs,
    "safety-incident": _incident_kwargs,
    "safety-incident-ack": _incident_kwargs,
    "safety-incident-resolve": _incident_kwargs,
    "safety-house": _house_kwargs,
    "safety-house-place": _house_kwargs,
    "safety-house-status": _house_kwargs,
    "safety-house-disclose": _house_kwargs,
    "safety-house-compromised": _house_kwargs,
    "safety-placement-end": _placement_kwargs,
    "safety-shift-remove": _shift_kwargs,
    "safety-channel-delete": _channel_kwargs,
}

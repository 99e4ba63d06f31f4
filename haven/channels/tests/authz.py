"""Authorisation matrix rows for this app's URLs (format: haven/testing/authz.py).

Columns: anonymous outsider operator caseworker coordinator lawyer docofficer admin."""

from __future__ import annotations

# fmt: off
EXPECT = {
    # Public on purpose (providers have no account): a channel that does not exist and a bad
    # signature get the same 403.
    "channels-webhook": {
        "GET": "405    405    405    405    405    405    405    405",
        "POST": "403    403    403    403    403    403    403    403",
        "PUT": "405    405    405    405    405    405    405    405",
        "DELETE": "405    405    405    405    405    405    405    405",
    },
    "channels-list": {
        "GET": "login  403    403    403    200    403    403    200",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "channels-texts": {
        "GET": "login  403    403    403    200    403    403    200",
        "POST": "login  403    403    403    400    403    403    400",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "channels-case-handles": {
        "GET": "login  404    403    200    404    403    403    403",
        "POST": "login  404    403    400    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "channels-case-handle-remove": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    302    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
}
# fmt: on


def _channel(world):  # type: ignore[no-untyped-def]
    from haven.channels.ingest import create_channel
    from haven.channels.models import Channel

    channel = Channel.objects.filter(name="sms-authz").first() or create_channel(
        kind="sms", name="sms-authz", config={}, secrets={}
    )
    return {"channel_id": channel.pk}


def _case(world):  # type: ignore[no-untyped-def]
    """A case the caseworker persona holds (and no one else), with an SMS channel set up."""
    from haven.cases import actions
    from haven.testing.personas import keyring_for

    _channel(world)
    case = actions.create_case(keyring=keyring_for(world.user("caseworker")), risk="high")
    return {"case_id": case.id}


def _handle(world):  # type: ignore[no-untyped-def]
    from haven.channels.ingest import register_known_handle
    from haven.testing.personas import keyring_for

    ids = _case(world)
    from haven.cases.models import Case

    known = register_known_handle(
        keyring=keyring_for(world.user("caseworker")),
        case=Case.objects.get(pk=ids["case_id"]),
        kind="sms",
        handle="+79001112233",
        panic_words=[],
        duress_words=[],
    )
    return {**ids, "handle_id": known.pk}


FIXTURES = {
    "channels-texts": _channel,
    "channels-case-handles": _case,
    "channels-case-handle-remove": _handle,
}

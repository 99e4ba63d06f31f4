"""Authorisation matrix rows for this app's URLs (format: haven/testing/authz.py).

Columns: anonymous outsider operator caseworker coordinator lawyer docofficer admin.
The fixtures make objects the documentation officer holds and the lawyer does not: the lawyer
column shows "not yours" (404) and the docofficer column what a holder gets. The outsider is a
caseworker, so every evidence view refuses them by role (403).
"""

from __future__ import annotations

# fmt: off
EXPECT = {
    "evidence-list": {
        "GET": "login  403    403    403    403    200    200    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-incident-create": {
        "GET": "login  403    403    403    403    200    200    403",
        "POST": "login  403    403    403    403    400    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-incident": {
        "GET": "login  403    403    403    403    404    200    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-incident-edit": {
        "GET": "login  403    403    403    403    404    200    403",
        "POST": "login  403    403    403    403    404    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-share": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    403    404    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-place-add": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    403    404    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-perpetrator-add": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    403    404    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-victim-add": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    403    404    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-source-add": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    403    404    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-testimony-create": {
        "GET": "login  403    403    403    403    404    200    403",
        "POST": "login  403    403    403    403    404    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-attachment-upload": {
        "GET": "login  403    403    403    403    404    200    403",
        "POST": "login  403    403    403    403    404    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-export": {
        "GET": "login  403    403    403    403    404    200    403",
        "POST": "login  403    403    403    403    404    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-override-request": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    403    403    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-testimony": {
        "GET": "login  403    403    403    403    404    200    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-consent": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    403    404    302    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-redaction-propose": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    403    404    302    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-review": {
        "GET": "login  403    403    403    403    404    200    403",
        "POST": "login  403    403    403    403    404    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-attachment": {
        "GET": "login  403    403    403    403    404    200    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-attachment-download": {
        "GET": "login  403    403    403    403    404    200    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-custody": {
        "GET": "login  403    403    403    403    404    200    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-attachment-verify": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    403    404    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-attachment-transfer": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    403    404    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "evidence-attachment-delete": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    403    404    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    # The fixture's place is removed by the first allowed call; later calls find nothing (400).
    "evidence-part-remove": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    403    404    302    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
}
# fmt: on


def _incident(world):  # type: ignore[no-untyped-def]
    import datetime

    from haven.evidence import actions
    from haven.testing.personas import keyring_for

    ring = keyring_for(world.user("docofficer"))
    incident = actions.create_incident(keyring=ring, title="t", violations=["torture"])
    testimony = actions.add_testimony(
        keyring=ring,
        incident=incident,
        given_by="Адам",
        given_on=datetime.date(2026, 1, 1),
        language="ru",
        text="Адама задержали.",
        consent=["court"],
        may_be_named=True,
    )
    actions.propose_redactions(keyring=ring, testimony=testimony)
    attachment = actions.capture_attachment(
        keyring=ring, incident=incident, name="n.txt", data=b"plain text note\n"
    )
    return {"incident": incident.id, "testimony": testimony.id, "attachment": attachment.id}


def _incident_only(world):  # type: ignore[no-untyped-def]
    return {"incident_id": _incident(world)["incident"]}


def _testimony_only(world):  # type: ignore[no-untyped-def]
    return {"testimony_id": _incident(world)["testimony"]}


def _attachment_only(world):  # type: ignore[no-untyped-def]
    return {"attachment_id": _incident(world)["attachment"]}


_BY_INCIDENT = (
    "evidence-incident",
    "evidence-incident-edit",
    "evidence-share",
    "evidence-place-add",
    "evidence-perpetrator-add",
    "evidence-victim-add",
    "evidence-source-add",
    "evidence-testimony-create",
    "evidence-attachment-upload",
    "evidence-export",
    "evidence-override-request",
)
_BY_TESTIMONY = (
    "evidence-testimony",
    "evidence-consent",
    "evidence-redaction-propose",
    "evidence-review",
)
_BY_ATTACHMENT = (
    "evidence-attachment",
    "evidence-attachment-download",
    "evidence-custody",
    "evidence-attachment-verify",
    "evidence-attachment-transfer",
    "evidence-attachment-delete",
)


def _place(world):  # type: ignore[no-untyped-def]
    from haven.evidence import actions
    from haven.evidence.models import EvidenceIncident
    from haven.testing.personas import keyring_for

    incident = EvidenceIncident.objects.get(pk=_incident(world)["incident"])
    ring = keyring_for(world.user("docofficer"))
    place = actions.add_place(keyring=ring, incident=incident, kind="other", name="x")
    return {"incident_id": incident.id, "kind": "place", "part_id": place.id}


FIXTURES = {
    "evidence-part-remove": _place,
    **dict.fromkeys(_BY_INCIDENT, _incident_only),
    **dict.fromkeys(_BY_TESTIMONY, _testimony_only),
    **dict.fromkeys(_BY_ATTACHMENT, _attachment_only),
}

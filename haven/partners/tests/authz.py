"""Authorisation matrix rows for this app's URLs (format: haven/testing/authz.py).

Columns: anonymous outsider operator caseworker coordinator lawyer docofficer admin.
Every staff page is for coordinators only; the fixtures give the coordinator persona the
exchange keys, a case with a consent and a referral, and a referral received, so its rows show
the real answers. "Not yours" (another coordinator without the grants) is in test_views.py.
"""

from __future__ import annotations

from typing import Any


def _world(world: Any) -> dict[str, Any]:
    from django.utils import timezone

    from haven.cases import actions as case_actions
    from haven.partners import actions
    from haven.partners import package as pkg
    from haven.partners.models import IncomingReferral, Purpose
    from haven.testing.personas import keyring_for

    coordinator = world.user("coordinator")
    ring = keyring_for(coordinator)
    keys = actions.current_keys() or actions.set_up_exchange_keys(keyring=ring)
    identity, recipient = pkg.new_age_identity()
    seed = pkg.new_signing_seed()
    partner = actions.save_partner(
        actor=coordinator,
        values={
            "name": "Северный партнёр",
            "age_recipient": recipient,
            "verify_key": pkg.verify_key_hex(seed),
            "active": True,
        },
    )
    case = case_actions.create_case(keyring=ring, risk="high")
    person = case_actions.save_person(keyring=ring, case=case, values={"given_name": "Тимур"})
    consent = actions.record_consent(
        keyring=ring,
        case=case,
        person=person,
        partner=partner,
        purpose=Purpose.REFERRAL,
        given_on=timezone.localdate(),
        how="",
    )
    referral = actions.start_referral(
        keyring=ring,
        case=case,
        partner=partner,
        purpose=Purpose.REFERRAL,
        people=[person],
        fields=["languages"],
        documents=[],
    )
    sent = pkg.build(
        type="referral",
        content={"people": []},
        recipient_age=keys.age_recipient,
        signing_seed=seed,
        now=timezone.now(),
        code="referral",
    )
    actions.receive_package(sent.to_bytes())
    incoming = IncomingReferral.objects.get(package_id=sent.id)
    return {
        "case_id": case.id,
        "partner_id": partner.id,
        "consent_id": consent.id,
        "referral_id": referral.id,
        "envelope_id": referral.id,
        "incoming_id": incoming.id,
        "identity": identity,
    }


def _only(*names: str):  # type: ignore[no-untyped-def]
    def fixture(world: Any) -> dict[str, Any]:
        built = _world(world)
        return {n: built[n] for n in names}

    return fixture


FIXTURES = {
    "partners-edit": _only("partner_id"),
    "partners-case": _only("case_id"),
    "partners-consent-new": _only("case_id"),
    "partners-referral-new": _only("case_id"),
    "partners-consent-withdraw": _only("consent_id"),
    "partners-referral": _only("referral_id"),
    "partners-referral-send": _only("referral_id"),
    "partners-referral-revoke": _only("referral_id"),
    "partners-package": _only("envelope_id"),
    "partners-package-deliver": _only("envelope_id"),
    "partners-incoming-detail": _only("incoming_id"),
    "partners-incoming-decide": _only("incoming_id"),
    "partners-incoming-complete": _only("incoming_id"),
    "partners-incoming-destroy": _only("incoming_id"),
}

# fmt: off
EXPECT: dict[str, dict[str, str]] = {
    "partners-incoming": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-incoming-upload": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-incoming-detail": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-incoming-decide": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-incoming-complete": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    302    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-incoming-destroy": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    302    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-directory": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-new": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-edit": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-keys-set-up": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    302    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-keys-share": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-case": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-consent-new": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-consent-withdraw": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    302    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-referral-new": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-referral": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-referral-send": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    302    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-referral-revoke": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    302    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-package": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-package-deliver": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    302    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "partners-inbox": {
        "GET": "405    405    405    405    405    405    405    405",
        "POST": "400    400    400    400    400    400    400    400",
        "PUT": "405    405    405    405    405    405    405    405",
        "DELETE": "405    405    405    405    405    405    405    405",
    },
}
# fmt: on

"""One Haven instance's coordinators, driven from the two-instance test (test_two_instances.py).

Run as `python -m haven.partners.tests.instance_driver` with the instance's environment (its
own HAVEN_DATA_DIR, so its own database). It reads one JSON command a line on stdin and answers
one JSON line on stdout, so that Django starts once per instance. Everything it does goes through
the same actions the pages call, with the coordinators' real keyrings; packages leave through
real HTTP to the other instance's server.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import traceback
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from haven.accounts.actions import create_staff_user  # noqa: E402
from haven.accounts.models import Role, User  # noqa: E402
from haven.cases import actions as case_actions  # noqa: E402
from haven.cases.approvals import decide_approval  # noqa: E402
from haven.cases.models import Case, Person  # noqa: E402
from haven.partners import actions  # noqa: E402
from haven.partners import package as pkg  # noqa: E402
from haven.partners.models import Envelope, IncomingReferral, Partner, Purpose, Referral  # noqa: E402
from haven.testing.personas import keyring_for  # noqa: E402

PASSWORD = "correct horse battery staple"


def _ring(name: str):  # type: ignore[no-untyped-def]
    return keyring_for(User.objects.get(username=name), PASSWORD)


def setup(name: str) -> dict[str, Any]:
    for username in ("first", "second"):
        create_staff_user(
            actor=None, username=username, roles=[Role.COORDINATOR], password=PASSWORD
        )
    keys = actions.set_up_exchange_keys(keyring=_ring("first"))
    return {"age": keys.age_recipient, "verify": keys.verify_key}


def add_partner(name: str, url: str, age: str, verify: str) -> dict[str, Any]:
    partner = actions.save_partner(
        actor=User.objects.get(username="first"),
        values={
            "name": name,
            "services": "resettlement",
            "countries": ["CA"],
            "haven_url": url,
            "age_recipient": age,
            "verify_key": verify,
            "active": True,
        },
    )
    return {"partner": str(partner.id)}


def refer(partner: str, given_name: str) -> dict[str, Any]:
    first = _ring("first")
    case = case_actions.create_case(keyring=first, risk="high")
    case_actions.assign(keyring=first, case=case, user=User.objects.get(username="second"))
    person = case_actions.save_person(
        keyring=first, case=case, values={"given_name": given_name, "languages": ["ru"]}
    )
    target = Partner.objects.get(pk=partner)
    actions.record_consent(
        keyring=first,
        case=case,
        person=person,
        partner=target,
        purpose=Purpose.REFERRAL,
        given_on=timezone.localdate(),
        how="call",
    )
    referral = actions.start_referral(
        keyring=first,
        case=case,
        partner=target,
        purpose=Purpose.REFERRAL,
        people=[person],
        fields=["given_name", "languages"],
        documents=[],
        message="needs a place",
    )
    waiting = referral.status
    decide_approval(keyring=_ring("second"), approval=referral.approval, approve=True)
    actions.send_referral(keyring=_ring("first"), referral=referral)
    return {"referral": str(referral.id), "before_approval": waiting, **status(str(referral.id))}


def status(referral: str) -> dict[str, Any]:
    row = Referral.objects.get(pk=referral)
    ring = _ring("first")
    out = list(Envelope.objects.filter(pk=row.id) | Envelope.objects.filter(in_reply_to=row.id))
    answers = [
        actions.read_answer(keyring=ring, envelope=e)
        for e in out
        if e.direction == Envelope.Direction.IN and e.type == "answer"
    ]
    return {
        "status": row.status,
        "destroyed": row.destroyed_at is not None,
        "answers": sorted(answers),
        "undelivered": [
            e.delivery_error for e in out if e.direction == "outgoing" and not e.delivered_at
        ],
    }


def incoming() -> list[dict[str, Any]]:
    return [
        {
            "id": str(r.id),
            "status": r.status,
            "purpose": r.purpose,
            "revoked": r.revocation_requested_at is not None,
        }
        for r in IncomingReferral.objects.order_by("received_at")
    ]


def accept(incoming_id: str) -> dict[str, Any]:
    ring = _ring("second")
    row = IncomingReferral.objects.get(pk=incoming_id)
    row = actions.decide_incoming(keyring=ring, incoming=row, accept=True, reason="we have a place")
    case = Case.objects.get(pk=row.case_id)
    person = Person.objects.get(case=case)
    return {"given_name": _ring("second").open(case.vault).unseal(person, "given_name")}


def complete(incoming_id: str) -> dict[str, Any]:
    row = IncomingReferral.objects.get(pk=incoming_id)
    actions.complete_incoming(keyring=_ring("first"), incoming=row, reason="resettled")
    return {}


def revoke(referral: str) -> dict[str, Any]:
    row = Referral.objects.get(pk=referral)
    actions.revoke_referral(keyring=_ring("first"), referral=row, reason="consent withdrawn")
    return status(referral)


def destroy(incoming_id: str) -> dict[str, Any]:
    row = IncomingReferral.objects.get(pk=incoming_id)
    row = actions.destroy_incoming(keyring=_ring("first"), incoming=row)
    case = Case.objects.get(pk=row.case_id)
    return {"status": row.status, "case_vault_shredded": case.vault.shredded_at is not None}


def package(referral: str) -> dict[str, Any]:
    """The referral's package as it left (to replay it, or tamper with it)."""
    return {"data": base64.b64encode(bytes(Envelope.objects.get(pk=referral).data)).decode()}


def foreign_package() -> dict[str, Any]:
    """A package signed by this organisation, sealed to a key nobody in the test holds."""
    _identity, recipient = pkg.new_age_identity()
    _keys, _age, seed = actions._open_keys(_ring("first"))
    built = pkg.build(
        type="referral",
        content={},
        recipient_age=recipient,
        signing_seed=seed,
        now=timezone.now(),
        code="referral",
    )
    return {"data": base64.b64encode(built.to_bytes()).decode()}


COMMANDS = {
    f.__name__: f
    for f in (
        setup,
        add_partner,
        refer,
        status,
        incoming,
        accept,
        complete,
        revoke,
        destroy,
        package,
        foreign_package,
    )
}


def main() -> None:
    for line in sys.stdin:
        command = json.loads(line)
        try:
            result = COMMANDS[command["cmd"]](**command.get("args", {}))
        except Exception as exc:  # noqa: BLE001  (the test shows it)
            answer = {
                "ok": False,
                "error": f"{type(exc).__name__}: {exc}",
                "trace": traceback.format_exc(),
            }
        else:
            answer = {"ok": True, "result": result}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

"""Demo partner exchange: this organisation's keys, a directory of three fictional partner
organisations (their keys made here and forgotten, except to play their answers), one referral
sent with consent and accepted by the partner, one identified referral waiting for the second
coordinator, and one referral received from a partner, waiting for a decision."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from haven.cases.public import Case, Person
from haven.core.demo import DemoContext
from haven.partners import actions
from haven.partners import package as pkg
from haven.partners.models import Purpose
from haven.vault.actions import grant_vault

PARTNERS: list[dict[str, Any]] = [
    {
        "name": "Северный мост (вымышленная)",
        "alternate_name": "Northern Bridge (fictional)",
        "description": "Переселение в третьи страны, сопровождение до приезда.",
        "services": "переселение в третьи страны, дорога",
        "countries": ["CA", "NL"],
        "email": "cases@northern-bridge.example",
        "website": "https://northern-bridge.example",
    },
    {
        "name": "Open Door Legal (fictional)",
        "description": "Asylum lawyers; humanitarian visa applications to German embassies.",
        "services": "legal aid, humanitarian visas",
        "countries": ["DE"],
        "email": "intake@opendoor-legal.example",
    },
    {
        "name": "Memorial Archive Project (fictional)",
        "description": "Keeps lists of the disappeared; exchanges them with journalists.",
        "services": "lists of the disappeared",
        "countries": ["FR", "GE"],
        "email": "lists@memorial-archive.example",
        "active": True,
    },
]


def load(ctx: DemoContext) -> None:
    ring = ctx.keyring("coordinator")
    coordinator = ctx.users["coordinator"]
    keys = actions.set_up_exchange_keys(keyring=ring)
    seeds = []
    partners = []
    for values in PARTNERS:
        _identity, recipient = pkg.new_age_identity()
        seed = pkg.new_signing_seed()
        seeds.append(seed)
        partners.append(
            actions.save_partner(
                actor=coordinator,
                values={
                    "active": True,
                    **values,
                    "age_recipient": recipient,
                    "verify_key": pkg.verify_key_hex(seed),
                },
            )
        )
    with_people = Case.objects.filter(pk__in=Person.objects.values("case_id")).order_by(
        "created_at"
    )
    case = ring.visible(with_people).first()
    if case is None and "caseworker" in ctx.users:
        # In the full demo the coordinator holds no case yet: the caseworker shares their first
        # one, as a caseworker would before a referral is arranged.
        case = ctx.keyring("caseworker").visible(with_people).first()
        if case is not None:
            grant_vault(
                keyring=ctx.keyring("caseworker"),
                vault=case.vault,
                user=coordinator,
                reason="referral to a partner",
            )
    if case is None:
        return
    person = Person.objects.filter(case=case).order_by("created_at").first()
    if person is None:
        return
    bridge, legal, archive = partners
    actions.record_consent(
        keyring=ring,
        case=case,
        person=person,
        partner=bridge,
        purpose=Purpose.REFERRAL,
        given_on=timezone.localdate(),
        how="Согласие по телефону с куратором, подтверждено в Signal.",
    )
    sent = actions.start_referral(
        keyring=ring,
        case=case,
        partner=bridge,
        purpose=Purpose.REFERRAL,
        people=[person],
        fields=["languages", "gender"],
        documents=[],
        message="Есть ли место в программе переселения на весну?",
    )
    answer = pkg.build(
        type="answer",
        content={"reason": "Да, есть место; пришлите полные данные, когда человек согласится."},
        recipient_age=keys.age_recipient,
        signing_seed=seeds[0],
        now=timezone.now(),
        in_reply_to=str(sent.id),
        code="accepted",
    )
    actions.receive_package(answer.to_bytes())
    # The identified referral waits for coordinator2 (the approvals page).
    actions.start_referral(
        keyring=ring,
        case=case,
        partner=legal,
        purpose=Purpose.REFERRAL,
        people=[person],
        fields=["given_name", "family_name", "birth", "documents"],
        documents=[],
        message="Humanitarian visa application: can you take it?",
        override_reason="Consent given in person; the form is on its way.",
    )
    incoming = pkg.build(
        type="referral",
        content={
            "purpose": "referral",
            "their_reference": "MAP-2291",
            "case": {"risk": "high", "region_of_origin": "", "destination_country": "FR"},
            "people": [
                {
                    "fields": {"given_name": "Руслан", "languages": ["русский", "чеченский"]},
                    "consent": {"purpose": "referral", "given_on": "2026-11-28"},
                }
            ],
            "documents": [],
            "message": "He found our list and asks for a safe place in Tbilisi.",
        },
        recipient_age=keys.age_recipient,
        signing_seed=seeds[2],
        now=timezone.now(),
        code="referral",
    )
    actions.receive_package(incoming.to_bytes())
    ctx.note(
        "Partners: sign in as `coordinator`, open Partners: a referral received to accept or "
        "reject, the directory with three fictional organisations and this organisation's "
        f"keys; case {case.reference} shows a referral accepted by a partner and one waiting "
        "for `coordinator2`'s approval."
    )

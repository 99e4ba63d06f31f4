"""Receiving packages (checked without opening), and referrals received: open, accept or
reject, complete, destroy."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.log import log_event
from haven.cases.public import (
    PERSON_FIELDS,
    Case,
    CaseError,
    add_note,
    create_case,
    match_region,
    save_person,
)
from haven.partners import package as pkg
from haven.partners.models import (
    Envelope,
    ExchangeKeys,
    IncomingReferral,
    Partner,
    Purpose,
    Referral,
)
from haven.vault.actions import shred_vault

if TYPE_CHECKING:
    from haven.vault.keyring import Keyring

from haven.partners.actions.directory import PartnerError, _actor, _open_keys, current_keys
from haven.partners.actions.outgoing import _outgoing

# ---- receiving ----------------------------------------------------------------------------------

# How far in the future a package's time may be (clocks differ); older ones are fine: replay is
# stopped by the id, kept for ever, not by a time window.
CLOCK_SKEW = dt.timedelta(minutes=10)

ANSWERS = {
    "accepted": ({Referral.Status.SENT}, Referral.Status.ACCEPTED),
    "rejected": ({Referral.Status.SENT}, Referral.Status.REJECTED),
    "completed": ({Referral.Status.ACCEPTED}, Referral.Status.COMPLETED),
}


def receive_package(data: bytes, *, now: dt.datetime | None = None) -> Envelope:
    """Check and record a package from a partner, without opening it: the server holds no key
    that opens it (the age identity is sealed in the partners vault). Refusals raise
    `package.PackageError` with a stable code; nothing is recorded for them."""
    now = now or timezone.now()
    package = pkg.parse(data)
    keys = current_keys()
    if keys is None:
        raise pkg.PackageError("not_set_up")
    if package.recipient != pkg.fingerprint(keys.age_recipient):
        raise pkg.PackageError("wrong_recipient")
    partner = Partner.objects.filter(signing_fingerprint=package.sender, active=True).first()
    if partner is None:
        raise pkg.PackageError("unknown_sender")
    pkg.verify(package, partner.verify_key)
    if package.created_at > now + CLOCK_SKEW:
        raise pkg.PackageError("bad_time")
    try:
        with transaction.atomic():
            envelope = _record_incoming(package, partner, keys, now)
    except IntegrityError as exc:
        # Two deliveries of the same package at once: the unique id decides, the second loses.
        raise pkg.PackageError("replayed") from exc
    return envelope


def _record_incoming(
    package: pkg.Package, partner: Partner, keys: ExchangeKeys, now: dt.datetime
) -> Envelope:
    if Envelope.objects.filter(pk=package.id).exists():
        raise pkg.PackageError("replayed")
    reply_to = uuid.UUID(package.in_reply_to) if package.in_reply_to else None
    envelope = Envelope.objects.create(
        id=uuid.UUID(package.id),
        direction=Envelope.Direction.IN,
        partner=partner,
        type=package.type,
        in_reply_to=reply_to,
        # Answers keep their sealed reason, for a coordinator holding the keys to read.
        data=package.sealed if package.type == "answer" else None,
        created_at=now,
    )
    data: dict[str, Any] = {"type": package.type, "partner": str(partner.id), "code": package.code}
    if package.type == "referral":
        if package.code not in Purpose.values or reply_to is not None:
            raise pkg.PackageError("bad_format")
        incoming = IncomingReferral.objects.create(
            package_id=uuid.UUID(package.id),
            partner=partner,
            purpose=package.code,
            sealed=package.sealed,
            vault=keys.vault,
            received_at=now,
        )
        data["incoming"] = str(incoming.id)
    elif package.type in ("answer", "destruction"):
        if reply_to is None:
            raise pkg.PackageError("bad_format")
        referral = Referral.objects.select_for_update().filter(pk=reply_to, partner=partner).first()
        if referral is None:
            raise pkg.PackageError("unknown_referral")
        if package.type == "answer":
            allowed, new = ANSWERS.get(package.code, (set(), None))
            if referral.status not in allowed or new is None:
                raise pkg.PackageError("out_of_order")
            referral.status, referral.answered_at = new, now
            referral.save(update_fields=["status", "answered_at"])
        else:
            if referral.status != Referral.Status.REVOKED:
                raise pkg.PackageError("out_of_order")
            referral.destroyed_at = now
            referral.save(update_fields=["destroyed_at"])
        data["referral"] = str(referral.id)
    elif package.type == "revocation":
        if reply_to is None:
            raise pkg.PackageError("bad_format")
        revoked = (
            IncomingReferral.objects.select_for_update()
            .filter(package_id=reply_to, partner=partner)
            .first()
        )
        if revoked is None:
            raise pkg.PackageError("unknown_referral")
        revoked.revocation_requested_at = now
        revoked.save(update_fields=["revocation_requested_at"])
        data["incoming"] = str(revoked.id)
    log_event(
        actor=None,
        action="partners.receive",
        object_type="package",
        object_id=package.id,
        data=data,
    )
    return envelope


# ---- referrals in ------------------------------------------------------------------------------


def open_incoming(*, keyring: Keyring, incoming: IncomingReferral) -> dict[str, Any]:
    """What a partner sent, opened with the organisation's age identity (audited: it is a
    decryption of identifying data)."""
    actor = _actor(keyring)
    if incoming.sealed is None:
        raise PartnerError(_("What this organisation sent was destroyed."))
    _keys, identity, _seed = _open_keys(keyring)
    package = pkg.Package(
        id=str(incoming.package_id),
        type="referral",
        sender="",
        recipient="",
        created="",
        in_reply_to="",
        code=incoming.purpose,
        sealed=bytes(incoming.sealed),
        signature="",
    )
    try:
        content = pkg.open_sealed(package, identity)
    except pkg.PackageError as exc:
        raise PartnerError(
            _("This package cannot be opened with this organisation's key.")
        ) from exc
    with transaction.atomic():
        log_event(
            actor=actor,
            action="partners.incoming_open",
            object_type="incoming_referral",
            object_id=incoming.id,
            data={},
        )
    return content


def read_answer(*, keyring: Keyring, envelope: Envelope) -> str:
    """The reason a partner gave with its answer."""
    _keys, identity, _seed = _open_keys(keyring)
    package = pkg.Package(
        id=str(envelope.id),
        type=envelope.type,
        sender="",
        recipient="",
        created="",
        in_reply_to="",
        code="",
        sealed=bytes(envelope.data or b""),
        signature="",
    )
    try:
        content = pkg.open_sealed(package, identity)
    except pkg.PackageError:
        return ""
    return str(content.get("reason") or "")


def _answer(keyring: Keyring, incoming: IncomingReferral, code: str, reason: str) -> Envelope:
    return _outgoing(
        keyring,
        partner=incoming.partner,
        type="answer",
        content={"reason": reason},
        code=code,
        in_reply_to=str(incoming.package_id),
    )


def _case_values(content: dict[str, Any]) -> dict[str, Any]:
    given = content.get("case")
    case: dict[str, Any] = given if isinstance(given, dict) else {}
    risk = case.get("risk") if case.get("risk") in Case.Risk.values else Case.Risk.MEDIUM
    region = match_region(str(case.get("region_of_origin") or "")) or ""
    return {"risk": risk, "region_of_origin": region}


def decide_incoming(
    *, keyring: Keyring, incoming: IncomingReferral, accept: bool, reason: str
) -> IncomingReferral:
    """Accept (a new case on our side, in its own vault, with the people received) or reject
    (with a reason); the answer goes back signed."""
    actor = _actor(keyring)
    if not accept and not reason.strip():
        raise PartnerError(_("Give a reason for the partner."))
    content = open_incoming(keyring=keyring, incoming=incoming) if accept else {}
    with transaction.atomic():
        incoming = IncomingReferral.objects.select_for_update().get(pk=incoming.pk)
        if incoming.status != IncomingReferral.Status.PENDING:
            raise PartnerError(_("This referral has already been decided."))
        if incoming.revocation_requested_at is not None:
            raise PartnerError(_("The sender revoked this referral: destroy it instead."))
        if accept:
            incoming.case = _open_case(keyring, incoming, content)
        incoming.status = (
            IncomingReferral.Status.ACCEPTED if accept else IncomingReferral.Status.REJECTED
        )
        incoming.decided_by, incoming.decided_at = actor, timezone.now()
        keyring.open(incoming.vault).seal(incoming, reason=reason or None)
        incoming.save(update_fields=["status", "decided_by", "decided_at", "case", "reason"])
        _answer(keyring, incoming, "accepted" if accept else "rejected", reason)
        log_event(
            actor=actor,
            action="partners.incoming_decide",
            object_type="incoming_referral",
            object_id=incoming.id,
            data={"accepted": accept, "case": str(incoming.case_id) if incoming.case_id else None},
        )
    return incoming


def _open_case(keyring: Keyring, incoming: IncomingReferral, content: dict[str, Any]) -> Case:
    try:
        case = create_case(keyring=keyring, **_case_values(content))
    except CaseError as exc:
        raise PartnerError(str(exc)) from exc
    given = content.get("people")
    people: list[Any] = given if isinstance(given, list) else []
    for row in people:
        fields = row.get("fields") if isinstance(row, dict) else None
        if isinstance(fields, dict):
            save_person(
                keyring=keyring,
                case=case,
                values={k: v for k, v in fields.items() if k in PERSON_FIELDS},
            )
    lines = [
        _("Received from %(partner)s (%(purpose)s), their reference %(reference)s.")
        % {
            "partner": incoming.partner.name,
            "purpose": Purpose(incoming.purpose).label,
            "reference": str(content.get("their_reference") or "—"),
        }
    ]
    if content.get("message"):
        lines.append(str(content["message"]))
    for doc in content.get("documents") or []:
        if isinstance(doc, dict):
            lines.append(
                _("Document: %(kind)s (%(deadline)s) %(notes)s")
                % {
                    "kind": doc.get("kind") or "—",
                    "deadline": doc.get("deadline") or "—",
                    "notes": doc.get("notes") or "",
                }
            )
    add_note(keyring=keyring, case=case, text="\n".join(lines))
    return case


def complete_incoming(
    *, keyring: Keyring, incoming: IncomingReferral, reason: str
) -> IncomingReferral:
    actor = _actor(keyring)
    with transaction.atomic():
        incoming = IncomingReferral.objects.select_for_update().get(pk=incoming.pk)
        if incoming.status != IncomingReferral.Status.ACCEPTED:
            raise PartnerError(_("Only an accepted referral can be completed."))
        incoming.status = IncomingReferral.Status.COMPLETED
        incoming.save(update_fields=["status"])
        _answer(keyring, incoming, "completed", reason)
        log_event(
            actor=actor,
            action="partners.incoming_complete",
            object_type="incoming_referral",
            object_id=incoming.id,
            data={},
        )
    return incoming


def destroy_incoming(*, keyring: Keyring, incoming: IncomingReferral) -> IncomingReferral:
    """Destroy what a partner sent (at its request): the package is deleted and, if it was
    accepted, the case opened from it is crypto-shredded (its vault's keys destroyed). The
    destruction is answered back, signed."""
    actor = _actor(keyring)
    _open_keys(keyring)  # the answer is signed: refuse before destroying anything
    with transaction.atomic():
        incoming = IncomingReferral.objects.select_for_update().get(pk=incoming.pk)
        if incoming.status == IncomingReferral.Status.DESTROYED:
            raise PartnerError(_("This referral was already destroyed."))
        if incoming.case is not None:
            shred_vault(actor=actor, vault=incoming.case.vault, reason="partner_revoked")
        incoming.sealed = None
        incoming.status = IncomingReferral.Status.DESTROYED
        incoming.destroyed_at = timezone.now()
        incoming.save(update_fields=["sealed", "status", "destroyed_at"])
        _outgoing(
            keyring,
            partner=incoming.partner,
            type="destruction",
            content={"destroyed_at": incoming.destroyed_at.isoformat()},
            in_reply_to=str(incoming.package_id),
        )
        log_event(
            actor=actor,
            action="partners.incoming_destroy",
            object_type="incoming_referral",
            object_id=incoming.id,
            data={"case_shredded": incoming.case_id is not None},
        )
    return incoming

"""Writes of the partners app: the directory, this organisation's exchange keys, consent, and
referrals and transfers out and in. Every write audits in its own transaction (ids and codes
only). Packages leave only after the transaction that records them commits
(`transaction.on_commit`): a duress session's transaction is rolled back, so nothing it asks for
ever leaves, and a failed write sends nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Role, User
from haven.audit.log import log_event
from haven.cases.public import (
    PERSON_FIELDS,
    ApprovalRequest,
    Case,
    CaseError,
    Person,
    RelocationDocument,
    add_note,
    create_case,
    match_region,
    request_approval,
    save_person,
    use_export_approval,
)
from haven.lib.errors import ActionError
from haven.partners import package as pkg
from haven.partners.models import (
    Consent,
    Envelope,
    ExchangeKeys,
    IncomingReferral,
    Partner,
    Purpose,
    Referral,
)
from haven.vault.actions import create_vault, shred_vault
from haven.vault.keyring import VaultLocked
from haven.vault.models import UserKey, Vault

if TYPE_CHECKING:
    from haven.vault.keyring import Keyring

logger = logging.getLogger("haven.partners")

# The fields of a person that may be chosen for a referral, and whether each identifies them.
# A referral carrying any identifying field is identified data leaving: a second coordinator
# approves it first (invariant 9). A transfer carries every field.
SHAREABLE_FIELDS: dict[str, bool] = {
    "given_name": True,
    "family_name": True,
    "patronymic": True,
    "aliases": True,
    "birth": True,
    "contacts": True,
    "trusted_contacts": True,
    "notes": True,
    "health_safety": True,
    "family_risk": True,
    "documents": True,
    "gender": False,
    "languages": False,
}


class PartnerError(ActionError):
    """A refused partner action; the message is translated and shown as it is."""


def _actor(keyring: Keyring) -> User:
    user = keyring.user
    if user is None or not user.has_role(Role.COORDINATOR):
        raise PartnerError(_("Only a coordinator can do this."))
    return user


# ---- the directory ------------------------------------------------------------------------------


def save_partner(*, actor: User, values: dict[str, Any], partner: Partner | None = None) -> Partner:
    if not actor.has_role(Role.COORDINATOR):
        raise PartnerError(_("Only a coordinator can do this."))
    age = values["age_recipient"].strip()
    verify = values["verify_key"].strip().lower()
    if not pkg.valid_age_recipient(age):
        raise PartnerError(_("This is not an age public key (it starts with age1)."))
    if not pkg.valid_verify_key(verify):
        raise PartnerError(_("This is not an Ed25519 public key (64 hexadecimal digits)."))
    created = partner is None
    partner = partner or Partner(created_by=actor)
    for name in (
        "name",
        "alternate_name",
        "description",
        "services",
        "countries",
        "email",
        "website",
        "haven_url",
        "active",
    ):
        if name in values:
            setattr(partner, name, values[name])
    partner.age_recipient, partner.verify_key = age, verify
    partner.signing_fingerprint = pkg.fingerprint(bytes.fromhex(verify))
    with transaction.atomic():
        clash = Partner.objects.filter(signing_fingerprint=partner.signing_fingerprint)
        if clash.exclude(pk=partner.pk).exists():
            raise PartnerError(_("Another organisation in the directory has this signing key."))
        partner.save()
        log_event(
            actor=actor,
            action="partners.partner_create" if created else "partners.partner_update",
            object_type="partner",
            object_id=partner.id,
            data={"active": partner.active, "haven": bool(partner.haven_url)},
        )
    return partner


# ---- this organisation's keys ------------------------------------------------------------------


def current_keys() -> ExchangeKeys | None:
    return ExchangeKeys.objects.filter(retired_at__isnull=True).order_by("-created_at").first()


def set_up_exchange_keys(*, keyring: Keyring) -> ExchangeKeys:
    """Make this organisation's age identity and signing key, sealed in a new partners vault
    given to every active coordinator with a key pair (they are the ones who accept referrals
    and sign answers). Refused when keys exist: replacing them means telling every partner."""
    actor = _actor(keyring)
    if current_keys() is not None:
        raise PartnerError(_("This organisation already has exchange keys."))
    coordinators = User.objects.filter(
        role_assignments__role=Role.COORDINATOR, is_active=True, suspended_at__isnull=True
    ).distinct()
    members = [u for u in coordinators if UserKey.objects.filter(user=u).exists()]
    identity, recipient = pkg.new_age_identity()
    seed = pkg.new_signing_seed()
    with transaction.atomic():
        vault = create_vault(
            actor=actor, kind=Vault.Kind.PARTNERS, members=members, keyring=keyring
        )
        keys = ExchangeKeys(
            vault=vault, age_recipient=recipient, verify_key=pkg.verify_key_hex(seed)
        )
        keyring.open(vault).seal(keys, age_identity=identity, signing_seed=seed)
        keys.save()
        log_event(
            actor=actor,
            action="partners.keys_create",
            object_type="exchange_keys",
            object_id=keys.id,
            data={"members": len(members)},
        )
    return keys


def _open_keys(keyring: Keyring) -> tuple[ExchangeKeys, str, bytes]:
    keys = current_keys()
    if keys is None:
        raise PartnerError(_("This organisation has no exchange keys yet."))
    try:
        opened = keyring.open(keys.vault)
    except VaultLocked as exc:
        raise PartnerError(_("You do not hold the partner exchange keys.")) from exc
    return keys, opened.unseal(keys, "age_identity"), bytes(opened.unseal(keys, "signing_seed"))


# ---- consent ------------------------------------------------------------------------------------


def record_consent(
    *,
    keyring: Keyring,
    case: Case,
    person: Person,
    partner: Partner,
    purpose: str,
    given_on: dt.date,
    how: str,
) -> Consent:
    actor = _actor(keyring)
    if person.case_id != case.id:
        raise PartnerError(_("This person is not in this case."))
    if purpose not in Purpose.values:
        raise PartnerError(_("Choose what the person consented to."))
    if given_on > timezone.localdate():
        raise PartnerError(_("Consent cannot be given in the future."))
    opened = keyring.open(case.vault)
    consent = Consent(
        case=case,
        vault=case.vault,
        person=person,
        partner=partner,
        purpose=purpose,
        given_on=given_on,
        recorded_by=actor,
    )
    opened.seal(consent, how=how or None)
    with transaction.atomic():
        consent.save()
        log_event(
            actor=actor,
            action="partners.consent_record",
            object_type="case",
            object_id=case.id,
            data={"consent": str(consent.id), "partner": str(partner.id), "purpose": purpose},
        )
    return consent


def withdraw_consent(*, keyring: Keyring, consent: Consent) -> Consent:
    actor = _actor(keyring)
    keyring.open(consent.vault)
    with transaction.atomic():
        if consent.withdrawn_at is None:
            consent.withdrawn_at = timezone.now()
            consent.save(update_fields=["withdrawn_at"])
            log_event(
                actor=actor,
                action="partners.consent_withdraw",
                object_type="case",
                object_id=consent.case_id,
                data={"consent": str(consent.id)},
            )
    return consent


def missing_consent(
    case: Case, partner: Partner, purpose: str, people: list[Person]
) -> list[Person]:
    """The people in `people` without a standing consent to this partner for this purpose."""
    consenting = set(
        Consent.objects.filter(
            case=case, partner=partner, purpose=purpose, withdrawn_at__isnull=True
        ).values_list("person_id", flat=True)
    )
    return [p for p in people if p.id not in consenting]


# ---- referrals out ------------------------------------------------------------------------------


def start_referral(
    *,
    keyring: Keyring,
    case: Case,
    partner: Partner,
    purpose: str,
    people: list[Person],
    fields: list[str],
    documents: list[RelocationDocument],
    message: str = "",
    override_reason: str = "",
) -> Referral:
    """Record a referral (chosen people, fields and documents) or a transfer (everything). It
    leaves at once if it carries nothing identifying and everyone consented; otherwise it waits
    for a second coordinator's approval (the two-person rule), asked here, and the person who
    started it sends it once approved (`send_referral`)."""
    actor = _actor(keyring)
    if not partner.active:
        raise PartnerError(_("This organisation is no longer active in the directory."))
    if purpose not in Purpose.values:
        raise PartnerError(_("Choose a referral or a transfer."))
    opened = keyring.open(case.vault)
    if purpose == Purpose.TRANSFER:
        people = list(case.people.all())
        fields = list(SHAREABLE_FIELDS)
        documents = list(RelocationDocument.objects.filter(case=case))
    if not people:
        raise PartnerError(_("Choose at least one person."))
    if any(p.case_id != case.id for p in people) or any(d.case_id != case.id for d in documents):
        raise PartnerError(_("Only people and documents of this case can be sent."))
    unknown = [f for f in fields if f not in SHAREABLE_FIELDS]
    if unknown or not fields:
        raise PartnerError(_("Choose the fields to send."))
    without = missing_consent(case, partner, purpose, people)
    if without and not override_reason.strip():
        raise PartnerError(
            _(
                "%(count)s of the people chosen have not consented to this organisation for this purpose. Record their consent, or give a reason to override: a second coordinator must approve it."
            )
            % {"count": len(without)}
        )
    identified = bool(documents) or any(SHAREABLE_FIELDS[f] for f in fields)
    needs_approval = identified or bool(without)
    with transaction.atomic():
        referral = Referral(
            case=case,
            vault=case.vault,
            partner=partner,
            purpose=purpose,
            people=[str(p.id) for p in people],
            fields=sorted(fields, key=list(SHAREABLE_FIELDS).index),
            documents=[str(d.id) for d in documents],
            identified=identified,
            created_by=actor,
        )
        opened.seal(
            referral, message=message or None, override_reason=override_reason.strip() or None
        )
        if needs_approval:
            reason = _("%(purpose)s to %(partner)s.") % {
                "purpose": Purpose(purpose).label,
                "partner": partner.name,
            }
            if without:
                reason += " " + _("Consent overridden: %(reason)s") % {
                    "reason": override_reason.strip()
                }
            try:
                referral.approval = request_approval(
                    keyring=keyring,
                    kind=ApprovalRequest.Kind.EXPORT_IDENTIFIED,
                    vault=case.vault,
                    target_user=None,
                    reason=reason,
                )
            except CaseError as exc:
                raise PartnerError(str(exc)) from exc
        referral.save()
        log_event(
            actor=actor,
            action="partners.referral_create",
            object_type="case",
            object_id=case.id,
            data={
                "referral": str(referral.id),
                "partner": str(partner.id),
                "purpose": purpose,
                "fields": referral.fields,
                "people": len(people),
                "documents": len(documents),
                "identified": identified,
                "consent_override": bool(without),
            },
        )
        if not needs_approval:
            _send(keyring, referral)
    return referral


def _referral_content(keyring: Keyring, referral: Referral) -> dict[str, Any]:
    opened = keyring.open(referral.vault)
    case = referral.case
    people = Person.objects.filter(case=case, id__in=referral.people).order_by("created_at")
    consents = {
        c.person_id: c
        for c in Consent.objects.filter(
            case=case,
            partner=referral.partner,
            purpose=referral.purpose,
            withdrawn_at__isnull=True,
        )
    }
    out_people = []
    for person in people:
        values = {f: opened.unseal(person, f) for f in referral.fields}
        consent = consents.get(person.id)
        out_people.append(
            {
                "fields": {k: v for k, v in values.items() if v not in (None, "", [], {})},
                "consent": {"purpose": consent.purpose, "given_on": consent.given_on.isoformat()}
                if consent
                else None,
            }
        )
    documents = [
        {
            "kind": opened.unseal(d, "kind"),
            "status": d.status,
            "deadline": d.deadline.isoformat() if d.deadline else None,
            "notes": opened.unseal(d, "notes"),
        }
        for d in RelocationDocument.objects.filter(case=case, id__in=referral.documents)
    ]
    return {
        "purpose": referral.purpose,
        "their_reference": case.reference,
        "case": {
            "region_of_origin": case.region_of_origin,
            "destination_country": case.destination_country,
            "pathway": case.pathway,
            "risk": case.risk,
        },
        "people": out_people,
        "documents": documents,
        "message": opened.unseal(referral, "message") or "",
        "consent_overridden": any(p["consent"] is None for p in out_people),
    }


def _outgoing(
    keyring: Keyring,
    *,
    partner: Partner,
    type: str,  # noqa: A002
    content: dict[str, Any],
    code: str = "",
    in_reply_to: str = "",
    package_id: str | None = None,
) -> Envelope:
    """Seal, sign and record one package; it is delivered once the transaction commits."""
    _keys, _identity, seed = _open_keys(keyring)
    package = pkg.build(
        type=type,
        content=content,
        recipient_age=partner.age_recipient,
        signing_seed=seed,
        now=timezone.now(),
        in_reply_to=in_reply_to,
        code=code,
        package_id=package_id,
    )
    envelope = Envelope.objects.create(
        id=uuid.UUID(package.id),
        direction=Envelope.Direction.OUT,
        partner=partner,
        type=type,
        in_reply_to=uuid.UUID(in_reply_to) if in_reply_to else None,
        data=package.to_bytes(),
    )
    if partner.haven_url:
        transaction.on_commit(lambda: deliver(envelope.id))
    return envelope


def _send(keyring: Keyring, referral: Referral) -> Envelope:
    content = _referral_content(keyring, referral)
    envelope = _outgoing(
        keyring,
        partner=referral.partner,
        type="referral",
        content=content,
        code=referral.purpose,
        package_id=str(referral.id),
    )
    referral.status, referral.sent_at = Referral.Status.SENT, timezone.now()
    referral.save(update_fields=["status", "sent_at", "approval"])
    log_event(
        actor=keyring.user,
        action="partners.referral_send",
        object_type="case",
        object_id=referral.case_id,
        data={"referral": str(referral.id), "partner": str(referral.partner_id)},
    )
    return envelope


def send_referral(*, keyring: Keyring, referral: Referral) -> Referral:
    """The second coordinator approved: the person who asked sends it (the approval is used once)."""
    actor = _actor(keyring)
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.status != Referral.Status.AWAITING_APPROVAL:
            raise PartnerError(_("This referral has already been sent."))
        if referral.approval is None:
            raise PartnerError(_("This referral has no approval request."))
        if referral.approval.status == ApprovalRequest.Status.REJECTED:
            raise PartnerError(_("A second coordinator rejected this referral."))
        try:
            use_export_approval(actor=actor, vault=referral.vault, approval=referral.approval)
        except CaseError as exc:
            raise PartnerError(str(exc)) from exc
        _send(keyring, referral)
    return referral


def revoke_referral(*, keyring: Keyring, referral: Referral, reason: str) -> Referral:
    """Ask the partner to destroy what it received; its answer comes back as a destruction."""
    actor = _actor(keyring)
    keyring.open(referral.vault)
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.status not in (
            Referral.Status.SENT,
            Referral.Status.ACCEPTED,
            Referral.Status.COMPLETED,
        ):
            raise PartnerError(_("Only a referral that was sent can be revoked."))
        _outgoing(
            keyring,
            partner=referral.partner,
            type="revocation",
            content={"reason": reason},
            in_reply_to=str(referral.id),
        )
        referral.status, referral.revoked_at = Referral.Status.REVOKED, timezone.now()
        referral.save(update_fields=["status", "revoked_at"])
        log_event(
            actor=actor,
            action="partners.referral_revoke",
            object_type="case",
            object_id=referral.case_id,
            data={"referral": str(referral.id), "partner": str(referral.partner_id)},
        )
    return referral


# ---- delivery ------------------------------------------------------------------------------------


def inbox_url(partner: Partner) -> str:
    return urllib.parse.urljoin(partner.haven_url.rstrip("/") + "/", "partners/inbox/")


def deliver(envelope_id: uuid.UUID) -> Envelope:
    """POST a package to the partner's inbox. The answer is a code; a failure is kept on the
    envelope (the coordinator can deliver again or hand the file over another way)."""
    envelope = Envelope.objects.select_related("partner").get(pk=envelope_id)
    url = inbox_url(envelope.partner)
    scheme = urllib.parse.urlsplit(url).scheme
    error = ""
    if scheme != "https" and not (scheme == "http" and settings.HAVEN_PARTNER_ALLOW_HTTP):
        error = "not_https"
    else:
        request = urllib.request.Request(  # noqa: S310  (the scheme is checked above)
            url,
            data=bytes(envelope.data or b""),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=settings.HAVEN_PARTNER_SEND_TIMEOUT
            ) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
            error = _answer_code(exc)
        except (urllib.error.URLError, TimeoutError, OSError):
            status, error = 0, "unreachable"
        if 200 <= status < 300:
            error = ""
        elif not error:
            error = f"http_{status}"
    envelope.delivery_error = error
    if not error:
        envelope.delivered_at = timezone.now()
    envelope.save(update_fields=["delivered_at", "delivery_error"])
    logger.info("partner package %s delivery: %s", envelope.id, error or "delivered")
    return envelope


def _answer_code(exc: urllib.error.HTTPError) -> str:
    import json

    try:
        code = json.loads(exc.read(200))["error"]
    except (ValueError, KeyError, TypeError, OSError):
        return f"http_{exc.code}"
    return str(code)[:32] if isinstance(code, str) else f"http_{exc.code}"


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

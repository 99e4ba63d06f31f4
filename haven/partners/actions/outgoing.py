"""Referrals and transfers out, and delivering packages to a partner's Haven."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.log import log_event
from haven.cases.public import (
    ApprovalRequest,
    Case,
    CaseError,
    Person,
    RelocationDocument,
    request_approval,
    use_export_approval,
)
from haven.partners import package as pkg
from haven.partners.models import (
    Consent,
    Envelope,
    Partner,
    Purpose,
    Referral,
)

if TYPE_CHECKING:
    from haven.vault.keyring import Keyring

from haven.partners.actions.directory import (
    SHAREABLE_FIELDS,
    PartnerError,
    _actor,
    _open_keys,
    logger,
    missing_consent,
)

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

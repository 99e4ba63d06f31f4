"""Evidence writes. Each is atomic and audited (ids, codes and counts only); sealed values go
through the incident's evidence vault. Every touch of an attachment's content also adds a link to
its chain of custody, in the same transaction."""

from __future__ import annotations

import datetime
import hashlib
import io
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Role
from haven.audit.log import log_event
from haven.evidence.errors import EvidenceError
from haven.evidence.models import (
    Audience,
    CustodyEvent,
    EvidenceAttachment,
    EvidenceIncident,
    Perpetrator,
    Place,
    Source,
    Testimony,
    Victim,
    Violation,
)
from haven.lib import uploads
from haven.vault.actions import GrantError, create_vault, grant_vault
from haven.vault.keyring import Keyring, OpenVault, VaultLocked
from haven.vault.models import Grant, Vault

if TYPE_CHECKING:
    from haven.accounts.models import User

EVIDENCE_ROLES = (Role.DOCUMENTATION, Role.LAWYER)
# Coordinators may be given an incident so that they can read, and approve, an export against
# consent; they get no evidence pages of their own.
SHARE_ROLES = (Role.DOCUMENTATION, Role.LAWYER, Role.COORDINATOR)
# Kinds we can make a metadata-free working copy of. PDFs are kept as originals only: stripping
# a PDF's metadata safely needs a PDF rewriter we do not ship (docs/evidence.md).
_WORKING_COPY_KINDS = uploads.IMAGE_KINDS | {"text", "pdf"}
# "Not an image or PDF" is normal for evidence (recordings); these codes mean the bytes claim to
# be something they are not, or could not be parsed: the file is kept, opaque, and flagged.
_NOT_A_PROBLEM = {uploads.UNKNOWN_TYPE, uploads.TYPE_NOT_ALLOWED}


def max_file_bytes() -> int:
    return int(getattr(settings, "HAVEN_EVIDENCE_MAX_FILE_BYTES", 50 * 1024 * 1024))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _actor(keyring: Keyring) -> User:
    actor = keyring.user
    if actor is None or not actor.has_role(*EVIDENCE_ROLES):
        raise EvidenceError(_("Only a documentation officer or a lawyer can do this."))
    return actor


def _touch(incident: EvidenceIncident) -> None:
    EvidenceIncident.objects.filter(pk=incident.pk).update(updated_at=timezone.now())


def _clean_violations(violations: list[str]) -> list[str]:
    unknown = [v for v in violations if v not in Violation.values]
    if unknown:
        raise EvidenceError(_("Unknown violation type."))
    return sorted(set(violations), key=list(Violation.values).index)


def create_incident(
    *,
    keyring: Keyring,
    title: str,
    summary: str = "",
    violations: list[str],
    date_start: datetime.date | None = None,
    date_end: datetime.date | None = None,
    date_precision: str = EvidenceIncident.Precision.DAY,
    region: str = "",
    colleague: User | None = None,
) -> EvidenceIncident:
    """A new incident in a vault of its own, sealed to the creator and, if chosen, one colleague
    (a lawyer or documentation officer). Nobody else, admins included, holds it."""
    actor = _actor(keyring)
    if colleague is not None and not colleague.has_role(*SHARE_ROLES):
        raise EvidenceError(
            _("Share an incident only with a lawyer, documentation officer or coordinator.")
        )
    if date_start and date_end and date_end < date_start:
        raise EvidenceError(_("The end date is before the start date."))
    members = [actor] if colleague is None or colleague.pk == actor.pk else [actor, colleague]
    with transaction.atomic():
        vault = create_vault(
            actor=actor, kind=Vault.Kind.EVIDENCE, members=members, keyring=keyring
        )
        incident = EvidenceIncident(
            vault=vault,
            violations=_clean_violations(violations),
            date_start=date_start,
            date_end=date_end,
            date_precision=date_precision,
            region=region,
            created_by=actor,
        )
        keyring.open(vault).seal(incident, title=title, summary=summary or None)
        incident.save()
        log_event(
            actor=actor,
            action="evidence.incident_create",
            object_type="incident",
            object_id=incident.reference,
            data={"violations": incident.violations, "members": len(members)},
        )
    return incident


def update_incident(
    *,
    keyring: Keyring,
    incident: EvidenceIncident,
    title: str,
    summary: str = "",
    violations: list[str],
    date_start: datetime.date | None = None,
    date_end: datetime.date | None = None,
    date_precision: str = EvidenceIncident.Precision.DAY,
    region: str = "",
) -> EvidenceIncident:
    actor = _actor(keyring)
    if date_start and date_end and date_end < date_start:
        raise EvidenceError(_("The end date is before the start date."))
    opened = keyring.open(incident.vault)
    with transaction.atomic():
        incident.violations = _clean_violations(violations)
        incident.date_start, incident.date_end = date_start, date_end
        incident.date_precision, incident.region = date_precision, region
        incident.updated_at = timezone.now()
        opened.seal(incident, title=title, summary=summary or None)
        incident.save()
        log_event(
            actor=actor,
            action="evidence.incident_update",
            object_type="incident",
            object_id=incident.reference,
            data={"violations": incident.violations},
        )
    return incident


def share_incident(*, keyring: Keyring, incident: EvidenceIncident, user: User) -> None:
    """Seal the incident's vault key to a colleague: a lawyer, a documentation officer, or a
    coordinator (who must hold the incident to approve an export against consent, since they
    must be able to read what they approve). Only someone who holds the incident can share it."""
    actor = _actor(keyring)
    if not user.is_active or not user.has_role(*SHARE_ROLES):
        raise EvidenceError(
            _("Share an incident only with a lawyer, documentation officer or coordinator.")
        )
    if Grant.objects.filter(vault=incident.vault, user=user).exists():
        raise EvidenceError(_("%(user)s can already open this incident.") % {"user": user.username})
    with transaction.atomic():
        try:
            grant_vault(keyring=keyring, vault=incident.vault, user=user, reason="evidence share")
        except GrantError as exc:
            raise EvidenceError(str(exc)) from exc
        except VaultLocked as exc:
            raise EvidenceError(
                _("You cannot open this incident, so you cannot share it.")
            ) from exc
        log_event(
            actor=actor,
            action="evidence.incident_share",
            object_type="incident",
            object_id=incident.reference,
            data={"user": user.pk},
        )


def _add_part(
    *,
    keyring: Keyring,
    incident: EvidenceIncident,
    model: type,
    plain: dict[str, Any],
    sealed: dict,
) -> Any:
    actor = _actor(keyring)
    opened = keyring.open(incident.vault)
    with transaction.atomic():
        row = model(incident=incident, vault=incident.vault, **plain)
        opened.seal(row, **{k: (v or None) for k, v in sealed.items()})
        row.save()
        _touch(incident)
        log_event(
            actor=actor,
            action=f"evidence.{model.__name__.lower()}_add",
            object_type="incident",
            object_id=incident.reference,
            data={"id": str(row.id), **{k: str(v) for k, v in plain.items() if k != "person"}},
        )
    return row


PART_MODELS: dict[str, str] = {
    "place": "Place",
    "perpetrator": "Perpetrator",
    "victim": "Victim",
    "source": "Source",
}


def remove_part(*, keyring: Keyring, incident: EvidenceIncident, kind: str, part_id: Any) -> None:
    """Take a place, perpetrator, victim or source out of an incident (a mistake, a duplicate).
    Audited with its id; the incident's testimonies and files are not touched."""
    from haven.evidence import models as evidence_models

    if kind not in PART_MODELS:
        raise EvidenceError(_("Unknown kind of record."))
    model = getattr(evidence_models, PART_MODELS[kind])
    actor = _actor(keyring)
    with transaction.atomic():
        deleted, _rows = model.objects.filter(incident=incident, pk=part_id).delete()
        if not deleted:
            raise EvidenceError(_("This record is not part of the incident (any more)."))
        _touch(incident)
        log_event(
            actor=actor,
            action=f"evidence.{kind}_remove",
            object_type="incident",
            object_id=incident.reference,
            data={"id": str(part_id)},
        )


def add_place(
    *, keyring: Keyring, incident: EvidenceIncident, kind: str, name: str, description: str = ""
) -> Place:
    if kind not in Place.Kind.values:
        raise EvidenceError(_("Unknown kind of place."))
    return _add_part(  # type: ignore[no-any-return]
        keyring=keyring,
        incident=incident,
        model=Place,
        plain={"kind": kind},
        sealed={"name": name, "description": description},
    )


def add_perpetrator(
    *,
    keyring: Keyring,
    incident: EvidenceIncident,
    kind: str,
    name: str,
    unit: str = "",
    role: str = "",
    known_how: str = "",
) -> Perpetrator:
    if kind not in Perpetrator.Kind.values:
        raise EvidenceError(_("Unknown kind of perpetrator."))
    return _add_part(  # type: ignore[no-any-return]
        keyring=keyring,
        incident=incident,
        model=Perpetrator,
        plain={"kind": kind},
        sealed={"name": name, "unit": unit, "role": role, "known_how": known_how},
    )


def add_victim(
    *,
    keyring: Keyring,
    incident: EvidenceIncident,
    description: str,
    case_reference: str = "",
    report_reference: str = "",
) -> Victim:
    """A victim, linked to a case or a missing-persons report the actor can open when its
    reference is given. One the actor cannot open is refused with the same words as one that
    does not exist."""
    plain: dict[str, Any] = {"link": Victim.Link.UNLINKED}
    if case_reference and report_reference:
        raise EvidenceError(_("Link the victim to a case or to a report, not both."))
    if report_reference:
        from haven.missing.models import MissingPersonReport

        report = (
            keyring.visible(MissingPersonReport.objects.all())
            .filter(reference__iexact=report_reference.strip())
            .first()
        )
        if report is None:
            raise EvidenceError(
                _("No missing-persons report with this reference that you can open.")
            )
        plain = {"link": Victim.Link.REGISTRY_REPORT, "registry_report_id": report.id}
    if case_reference:
        from haven.cases.models import Case

        case = (
            keyring.visible(Case.objects.all())
            .filter(reference__iexact=case_reference.strip())
            .first()
        )
        if case is None:
            raise EvidenceError(_("No case with this reference that you can open."))
        plain = {"link": Victim.Link.CASE_PERSON, "case": case}
        person = case.people.order_by("created_at").first()
        if person is not None:
            plain["person"] = person
    return _add_part(  # type: ignore[no-any-return]
        keyring=keyring,
        incident=incident,
        model=Victim,
        plain=plain,
        sealed={"description": description},
    )


def add_source(
    *, keyring: Keyring, incident: EvidenceIncident, kind: str, reliability: str, description: str
) -> Source:
    if kind not in Source.Kind.values or reliability not in Source.Reliability.values:
        raise EvidenceError(_("Unknown kind of source or reliability grade."))
    return _add_part(  # type: ignore[no-any-return]
        keyring=keyring,
        incident=incident,
        model=Source,
        plain={"kind": kind, "reliability": reliability},
        sealed={"description": description},
    )


def _clean_consent(consent: list[str]) -> list[str]:
    if any(a not in Audience.values for a in consent):
        raise EvidenceError(_("Unknown audience."))
    return sorted(set(consent), key=list(Audience.values).index)


def add_testimony(
    *,
    keyring: Keyring,
    incident: EvidenceIncident,
    given_by: str,
    given_on: datetime.date,
    language: str,
    text: str,
    consent: list[str],
    may_be_named: bool,
) -> Testimony:
    actor = _actor(keyring)
    if language not in Testimony.Language.values:
        raise EvidenceError(_("Unknown language."))
    if not text.strip():
        raise EvidenceError(_("The testimony is empty."))
    opened = keyring.open(incident.vault)
    with transaction.atomic():
        testimony = Testimony(
            incident=incident,
            vault=incident.vault,
            taken_by=actor,
            given_on=given_on,
            language=language,
            consent=_clean_consent(consent),
            may_be_named=may_be_named,
        )
        opened.seal(testimony, given_by=given_by or None, text=text)
        testimony.save()
        _touch(incident)
        log_event(
            actor=actor,
            action="evidence.testimony_add",
            object_type="incident",
            object_id=incident.reference,
            data={
                "testimony": str(testimony.id),
                "language": language,
                "consent": testimony.consent,
                "named": may_be_named,
            },
        )
    return testimony


def set_consent(
    *, keyring: Keyring, testimony: Testimony, consent: list[str], may_be_named: bool
) -> Testimony:
    actor = _actor(keyring)
    with transaction.atomic():
        testimony.consent = _clean_consent(consent)
        testimony.may_be_named = may_be_named
        testimony.save(update_fields=["consent", "may_be_named"])
        log_event(
            actor=actor,
            action="evidence.consent_set",
            object_type="testimony",
            object_id=testimony.id,
            data={"consent": testimony.consent, "named": may_be_named},
        )
    return testimony


# ---- redaction review -------------------------------------------------------------------------


def _engine_language(testimony: Testimony) -> str:
    return testimony.language if testimony.language in ("ru", "en") else "auto"


def propose_redactions(*, keyring: Keyring, testimony: Testimony) -> list[dict[str, Any]]:
    """Run the redaction engine over the testimony; the proposals are sealed and wait for a
    person to accept or reject each one. The person who gave the testimony is a known person."""
    from haven.lib.redact import KnownPerson, redact

    actor = _actor(keyring)
    opened = keyring.open(testimony.vault)
    text = opened.unseal(testimony, "text") or ""
    given_by = (opened.unseal(testimony, "given_by") or "").strip()
    known = [KnownPerson(names=(given_by,))] if given_by else []
    result = redact(text, lang=_engine_language(testimony), known=known)
    proposals = [{**s.as_dict(), "accepted": True} for s in result.spans]
    with transaction.atomic():
        opened.seal(testimony, proposals=proposals, reviewed_text=None)
        testimony.reviewed_by, testimony.reviewed_at = None, None
        testimony.save(update_fields=["proposals", "reviewed_text", "reviewed_by", "reviewed_at"])
        log_event(
            actor=actor,
            action="evidence.redaction_propose",
            object_type="testimony",
            object_id=testimony.id,
            data={"proposals": len(proposals), "lang": result.lang},
        )
    return proposals


def apply_proposals(text: str, proposals: list[dict[str, Any]]) -> str:
    pieces, pos = [], 0
    for p in sorted((p for p in proposals if p.get("accepted")), key=lambda p: p["start"]):
        if p["start"] < pos:
            continue
        pieces += [text[pos : p["start"]], p["placeholder"]]
        pos = p["end"]
    pieces.append(text[pos:])
    return "".join(pieces)


def review_redactions(*, keyring: Keyring, testimony: Testimony, accepted: set[int]) -> str:
    """Keep the proposals whose index is in `accepted`, reject the others, and store the text
    that results: that reviewed text is what leaves in a publication bundle."""
    actor = _actor(keyring)
    opened = keyring.open(testimony.vault)
    proposals = opened.unseal(testimony, "proposals")
    if proposals is None:
        raise EvidenceError(_("Ask for redaction proposals first."))
    for i, p in enumerate(proposals):
        p["accepted"] = i in accepted
    reviewed = apply_proposals(opened.unseal(testimony, "text") or "", proposals)
    with transaction.atomic():
        opened.seal(testimony, proposals=proposals, reviewed_text=reviewed)
        testimony.reviewed_by, testimony.reviewed_at = actor, timezone.now()
        testimony.save(update_fields=["proposals", "reviewed_text", "reviewed_by", "reviewed_at"])
        log_event(
            actor=actor,
            action="evidence.redaction_review",
            object_type="testimony",
            object_id=testimony.id,
            data={"accepted": len(accepted & set(range(len(proposals)))), "of": len(proposals)},
        )
    return reviewed


# ---- attachments and custody ------------------------------------------------------------------


def custody(
    *,
    opened: OpenVault,
    attachment: EvidenceAttachment,
    actor: User | None,
    action: str,
    reason: str = "",
    detail: dict[str, Any] | None = None,
    sha256_now: str | None = None,
) -> CustodyEvent:
    """Add one link to the chain: the hash is recomputed from the stored original now (or
    passed in by a caller that has just decrypted and hashed it), so a changed original would
    show in the chain as a different hash, not be papered over."""
    if sha256_now is None:
        original = opened.unseal(attachment, "original")
        sha256_now = sha256_hex(original) if original is not None else ""
    event = CustodyEvent(attachment=attachment, vault=attachment.vault, action=action, actor=actor)
    opened.seal(
        event,
        sha256=sha256_now,
        reason=reason or None,
        detail=detail or None,
    )
    event.save()
    log_event(
        actor=actor,
        action=f"evidence.custody_{action}",
        object_type="attachment",
        object_id=attachment.id,
        data={
            "event": str(event.id),
            **{k: v for k, v in (detail or {}).items() if k in ("copy", "audience")},
        },
    )
    return event


_EXIF_TAGS = {
    0x010F: "make",
    0x0110: "model",
    0x0131: "software",
    0x013B: "artist",
    0x0132: "modified",
    0x9003: "taken",  # DateTimeOriginal (in the Exif sub-IFD)
}


def _exif_summary(data: bytes) -> dict[str, str]:
    """What a picture says about where, when and on what it was taken: evidence for checking a
    "proof of life" photo, sealed with the original and never in a working copy."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            exif = img.getexif()
            values = dict(exif.items())
            values.update(exif.get_ifd(0x8769).items())
            found = {
                name: str(values[tag])[:200] for tag, name in _EXIF_TAGS.items() if tag in values
            }
            gps = exif.get_ifd(0x8825)
            if gps:
                found["gps"] = "; ".join(f"{k}={v}" for k, v in sorted(gps.items()))[:500]
            return found
    except Exception:  # noqa: BLE001  (metadata is a bonus; a broken header must not lose the file)
        return {}


def capture_attachment(
    *,
    keyring: Keyring,
    incident: EvidenceIncident,
    name: str,
    data: bytes,
    declared_type: str = "",
    notes: str = "",
    testimony: Testimony | None = None,
) -> EvidenceAttachment:
    """Keep a file as evidence. The SHA-256 is taken over exactly the bytes received, before
    anything else looks at them. A file that fails to parse is still kept, as an opaque
    original, flagged, with no working copy: evidence is not ours to throw away. Only an empty
    file or one over the size limit is refused."""
    actor = _actor(keyring)
    if testimony is not None and testimony.incident_id != incident.pk:
        raise EvidenceError(_("This testimony belongs to another incident."))
    if not data:
        raise EvidenceError(_("This file is empty (zero bytes); nothing was saved."))
    if len(data) > max_file_bytes():
        raise EvidenceError(
            _("This file is larger than %(mb)d MB; nothing was saved.")
            % {"mb": max_file_bytes() // (1024 * 1024)}
        )
    digest = sha256_hex(data)
    verdict = uploads.inspect_upload(
        name,
        io.BytesIO(data),
        max_bytes=max_file_bytes(),
        allowed_kinds=uploads.IMAGE_KINDS | {"pdf", "text"},
    )
    problems = [p for p in verdict.problems if p not in _NOT_A_PROBLEM]
    working: bytes | None = None
    exif = _exif_summary(data) if not problems and verdict.kind in uploads.IMAGE_KINDS else {}
    if not problems and verdict.kind in _WORKING_COPY_KINDS:
        if verdict.kind == "text":
            working = data
        elif verdict.kind == "pdf":
            try:
                working = uploads.strip_pdf(data)
            except ValueError:
                working = None  # kept as the original only: it goes to courts and UN bodies
        else:
            try:
                working = uploads.reencode_image(data)
            except ValueError:
                problems.append(uploads.CORRUPT)
    opened = keyring.open(incident.vault)
    with transaction.atomic():
        attachment = EvidenceAttachment(
            incident=incident,
            testimony=testimony,
            vault=incident.vault,
            size=len(data),
            kind=verdict.kind or "",
            problems=problems,
            captured_by=actor,
        )
        opened.seal(
            attachment,
            original=data,
            sha256=digest,
            capture={
                "name": verdict.safe_name,
                "declared_type": declared_type[:100],
                "notes": notes,
                "width": verdict.width,
                "height": verdict.height,
                "exif": exif,
            },
            working_copy=working,
            working_sha256=sha256_hex(working) if working is not None else None,
        )
        attachment.save()
        custody(
            opened=opened,
            attachment=attachment,
            actor=actor,
            action=CustodyEvent.Action.CAPTURE,
            detail={"size": len(data), "problems": problems},
            sha256_now=digest,
        )
        _touch(incident)
    return attachment


def read_attachment(
    *, keyring: Keyring, attachment: EvidenceAttachment, copy: str, reason: str = ""
) -> bytes:
    """The bytes of the original or the working copy, for a download; the download is a link in
    the chain of custody, committed before the bytes are handed out."""
    actor = _actor(keyring)
    if attachment.deleted_at is not None:
        raise EvidenceError(_("This file has been deleted."))
    opened = keyring.open(attachment.vault)
    field = {"original": "original", "working": "working_copy"}.get(copy)
    if field is None:
        raise EvidenceError(_("Unknown copy."))
    data = opened.unseal(attachment, field)
    if data is None:
        raise EvidenceError(_("There is no metadata-free working copy of this file."))
    with transaction.atomic():
        custody(
            opened=opened,
            attachment=attachment,
            actor=actor,
            action=CustodyEvent.Action.DOWNLOAD,
            reason=reason,
            detail={"copy": copy},
        )
    return bytes(data)


def record_view(*, keyring: Keyring, attachment: EvidenceAttachment) -> None:
    actor = _actor(keyring)
    with transaction.atomic():
        custody(
            opened=keyring.open(attachment.vault),
            attachment=attachment,
            actor=actor,
            action=CustodyEvent.Action.VIEW,
        )


def set_verification(
    *, keyring: Keyring, attachment: EvidenceAttachment, status: str, notes: str
) -> EvidenceAttachment:
    actor = _actor(keyring)
    if status not in EvidenceAttachment.Verification.values:
        raise EvidenceError(_("Unknown verification status."))
    opened = keyring.open(attachment.vault)
    with transaction.atomic():
        attachment.verification = status
        opened.seal(attachment, verification_notes=notes or None)
        attachment.save(update_fields=["verification", "verification_notes"])
        custody(
            opened=opened,
            attachment=attachment,
            actor=actor,
            action=CustodyEvent.Action.VERIFY,
            reason=notes,
            detail={"status": status},
        )
    return attachment


def transfer_attachment(
    *, keyring: Keyring, attachment: EvidenceAttachment, organisation: str, reason: str
) -> CustodyEvent:
    """Record that the file was handed to another organisation (outside Haven)."""
    actor = _actor(keyring)
    if not organisation.strip() or not reason.strip():
        raise EvidenceError(_("Say to which organisation and why."))
    if attachment.deleted_at is not None:
        raise EvidenceError(_("This file has been deleted."))
    with transaction.atomic():
        return custody(
            opened=keyring.open(attachment.vault),
            attachment=attachment,
            actor=actor,
            action=CustodyEvent.Action.TRANSFER,
            reason=reason,
            detail={"organisation": organisation},
        )


def delete_attachment(
    *, keyring: Keyring, attachment: EvidenceAttachment, reason: str
) -> EvidenceAttachment:
    """Delete the file's content (original and working copy). The row, its hash and its chain
    of custody stay, so the record shows that the file existed and who deleted it, and why."""
    actor = _actor(keyring)
    if not reason.strip():
        raise EvidenceError(_("Give a reason."))
    if attachment.deleted_at is not None:
        raise EvidenceError(_("This file has been deleted."))
    opened = keyring.open(attachment.vault)
    with transaction.atomic():
        custody(
            opened=opened,
            attachment=attachment,
            actor=actor,
            action=CustodyEvent.Action.DELETE,
            reason=reason,
        )
        attachment.original = None
        attachment.working_copy = None
        attachment.deleted_at = timezone.now()
        attachment.save(update_fields=["original", "working_copy", "deleted_at"])
    return attachment

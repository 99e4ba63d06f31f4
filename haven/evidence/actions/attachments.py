"""Attachments and their chain of custody. Every touch of an attachment's content also adds a
link to its chain of custody, in the same transaction."""

from __future__ import annotations

import hashlib
import io
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.log import log_event
from haven.evidence.actions.incidents import _actor, _touch
from haven.evidence.errors import EvidenceError
from haven.evidence.models import CustodyEvent, EvidenceAttachment, EvidenceIncident, Testimony
from haven.lib import uploads
from haven.vault import objects

if TYPE_CHECKING:
    from haven.accounts.models import User
    from haven.vault.keyring import Keyring, OpenVault

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
        # Files in object storage go too, once this commits (haven.vault.objects).
        objects.delete_after_commit(
            [
                blob.name
                for blob in (attachment.original, attachment.working_copy)
                if isinstance(blob, objects.StoredObject)
            ]
        )
        attachment.original = None
        attachment.working_copy = None
        attachment.deleted_at = timezone.now()
        attachment.save(update_fields=["original", "working_copy", "deleted_at"])
    return attachment

"""Intake writes: submissions, replies, triage decisions, opening a case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Role
from haven.alerts.actions import notify_role
from haven.audit.log import log_event
from haven.cases.public import Case, create_case
from haven.core.registry import call_hooks
from haven.intake import portal
from haven.intake.forms import FORM_TOKEN_MAX_AGE
from haven.intake.models import (
    CaseIntakeRecord,
    CaseMessage,
    HelpRequest,
    Message,
    MessageAttachment,
    PersonCopy,
    PortalIdentity,
)
from haven.lib.codenames import generate_codename, normalise_codename
from haven.lib.errors import ActionError
from haven.vault import codename as codename_crypto
from haven.vault.actions import create_vault
from haven.vault.codename import CodenameKeys
from haven.vault.keyring import Keyring, seal_box
from haven.vault.models import Vault

if TYPE_CHECKING:
    from haven.accounts.models import User


class IntakeClosed(ActionError):
    """No intake vault yet: the portal cannot accept requests."""


@dataclass(frozen=True)
class UploadedFile:
    name: str
    content_type: str
    data: bytes  # the working copy
    stripped: bool
    original: bytes | None = None  # a PDF as sent (pictures keep none)


@dataclass(frozen=True)
class Submission:
    request: HelpRequest
    # None when the same form comes back after the person has already signed in with their
    # codename (it is then no longer kept anywhere).
    codename: str | None
    repeated: bool = False


def intake_vault() -> Vault:
    vault = Vault.objects.current(Vault.Kind.INTAKE)
    if vault is None:
        raise IntakeClosed
    return vault


def set_up_intake_vault(*, actor: User, keyring: Keyring) -> Vault:
    existing = Vault.objects.current(Vault.Kind.INTAKE)
    if existing is not None:
        return existing
    return create_vault(actor=actor, kind=Vault.Kind.INTAKE, members=[actor], keyring=keyring)


def _add_message(
    *,
    request: HelpRequest,
    direction: str,
    text: str,
    person_vault: Vault,
    author: Any = None,
    contact: str = "",
    files: list[UploadedFile] | tuple[()] = (),
) -> Message:
    message = Message(request=request, vault=request.vault, direction=direction, author=author)
    seal_box(message, body=text, contact=contact or None)
    message.save()
    copy = PersonCopy(message=message, vault=person_vault)
    seal_box(copy, body=text)
    copy.save()
    for f in files:
        attachment = MessageAttachment(message=message, vault=request.vault)
        seal_box(
            attachment,
            content=f.data,
            original=f.original,
            meta={
                "name": f.name,
                "type": f.content_type,
                "size": len(f.data),
                "metadata_stripped": f.stripped,
                "original_size": len(f.original) if f.original is not None else None,
            },
        )
        attachment.save()
    return message


def _earlier_submission(form_token: str) -> Submission | None:
    earlier = HelpRequest.objects.filter(
        form_token_hash=codename_crypto.form_token_lookup(form_token)
    ).first()
    if earlier is None:
        return None
    codename = None
    if earlier.retry_codename is not None:
        codename = codename_crypto.open_for_resubmission(form_token, bytes(earlier.retry_codename))
    return Submission(earlier, codename, repeated=True)


def submit_request(
    *,
    text: str,
    felt_urgency: str,
    contact: str,
    files: list[UploadedFile],
    language: str,
    form_token: str = "",
) -> Submission:
    """A new request from the portal. Sealed before it is written; committed before the person
    is shown their codename (the caller renders only after this returns). Idempotent on the
    form token: the same form posted again is the same request with the same codename."""
    if form_token:
        earlier = _earlier_submission(form_token)
        if earlier is not None:
            return earlier
    vault = intake_vault()
    codename = generate_codename(language)
    keys = portal.derive_keys(normalise_codename(codename))
    urgency = {"now": HelpRequest.Urgency.URGENT, "days": HelpRequest.Urgency.HIGH}.get(
        felt_urgency, HelpRequest.Urgency.NORMAL
    )
    try:
        with transaction.atomic():
            # Codenames kept for a resubmission outlive the form token that could open them
            # for no reason: drop the ones whose token has expired.
            HelpRequest.objects.filter(
                retry_codename__isnull=False,
                created_at__lt=timezone.now() - timedelta(seconds=FORM_TOKEN_MAX_AGE),
            ).update(retry_codename=None)
            identity = portal.create_identity(keys, language=language)
            request = HelpRequest.objects.create(
                vault=vault,
                identity=identity,
                felt_urgency=felt_urgency,
                urgency=urgency,
                language=language,
                form_token_hash=codename_crypto.form_token_lookup(form_token)
                if form_token
                else None,
                retry_codename=codename_crypto.seal_for_resubmission(form_token, codename)
                if form_token
                else None,
            )
            _add_message(
                request=request,
                direction=Message.Direction.IN,
                text=text,
                contact=contact,
                files=files,
                person_vault=identity.vault,
            )
            log_event(
                action="intake.submit",
                object_type="request",
                object_id=request.reference,
                data={"files": len(files), "urgency": urgency},
            )
            if urgency == HelpRequest.Urgency.URGENT:
                notify_role(
                    role=Role.OPERATOR,
                    kind="urgent_request",
                    reference=request.reference,
                    link=f"/staff/intake/{request.id}/",
                )
    except IntegrityError:
        # The same form, posted twice at once: the other post committed first.
        earlier = _earlier_submission(form_token) if form_token else None
        if earlier is None:
            raise
        return earlier
    return Submission(request, codename)


def write_again(*, identity: PortalIdentity, text: str, files: list[UploadedFile]) -> Message:
    """A returning person writes again: the message joins their newest request."""
    with transaction.atomic():
        request = (
            HelpRequest.objects.select_for_update()
            .filter(identity=identity)
            .order_by("-created_at")
            .first()
        )
        if request is None:
            raise IntakeClosed
        message = _add_message(
            request=request,
            direction=Message.Direction.IN,
            text=text,
            files=files,
            person_vault=identity.vault,
        )
        request.last_message_at = timezone.now()
        if request.status == HelpRequest.Status.REPLIED:
            request.status = HelpRequest.Status.READ
        request.save(update_fields=["last_message_at", "status"])
        log_event(
            action="intake.message",
            object_type="request",
            object_id=request.reference,
            data={"files": len(files)},
        )
        if request.case_id:
            _forward_to_case(request=request, text=text, files=len(files))
    return message


def _forward_to_case(*, request: HelpRequest, text: str, files: int) -> None:
    """Once a case is open its caseworker works there, often without the intake grant: what the
    person writes is sealed to the case vault too, and the case's people are alerted (with the
    case reference and a link only)."""
    case = Case.objects.select_related("vault").get(pk=request.case_id)  # type: ignore[misc]
    forwarded = CaseMessage(
        case=case, vault=case.vault, request_reference=request.reference, file_count=files
    )
    seal_box(forwarded, body=text)
    forwarded.save()
    log_event(
        action="case.portal_message",
        object_type="case",
        object_id=case.reference,
        data={"files": files},
    )
    from haven.alerts.actions import notify

    notify(
        recipients=[a.user for a in case.assignments.select_related("user")],
        kind="portal_message",
        reference=case.reference,
        link=f"/staff/cases/{case.id}/",
    )


def conversation_for_person(keys: CodenameKeys, identity: PortalIdentity) -> list[dict[str, Any]]:
    copies = (
        PersonCopy.objects.filter(vault=identity.vault)
        .select_related("message", "vault")
        .order_by("message__created_at")
    )
    return [
        {
            "direction": c.message.direction,
            "created_at": c.message.created_at,
            "body": keys.unseal(c, "body"),
        }
        for c in copies
    ]


def note_original_download(
    *, actor: User, request: HelpRequest, attachment: MessageAttachment
) -> None:
    """A coordinator took a PDF as it was sent, with its metadata and active content: the
    audit trail says who and when, so a leaked original can be traced to a download."""
    with transaction.atomic():
        log_event(
            actor=actor,
            action="intake.attachment_original",
            object_type="request",
            object_id=request.reference,
            data={"attachment": str(attachment.pk)},
        )


def mark_read(*, actor: User, request: HelpRequest) -> None:
    if request.first_read_at is None:
        with transaction.atomic():
            HelpRequest.objects.filter(pk=request.pk, first_read_at__isnull=True).update(
                first_read_at=timezone.now(), status=HelpRequest.Status.READ
            )
            log_event(
                actor=actor,
                action="intake.read",
                object_type="request",
                object_id=request.reference,
            )
        request.refresh_from_db()


def set_urgency(*, actor: User, request: HelpRequest, urgency: str) -> None:
    with transaction.atomic():
        request.urgency = urgency
        request.save(update_fields=["urgency"])
        log_event(
            actor=actor,
            action="intake.urgency",
            object_type="request",
            object_id=request.reference,
            data={"urgency": urgency},
        )


def reply(*, actor: User, request: HelpRequest, text: str) -> Message:
    with transaction.atomic():
        message = _add_message(
            request=request,
            direction=Message.Direction.OUT,
            text=text,
            author=actor,
            person_vault=request.identity.vault,
        )
        request.status = (
            HelpRequest.Status.REPLIED
            if request.status != HelpRequest.Status.CASE_OPENED
            else request.status
        )
        request.last_message_at = timezone.now()
        request.save(update_fields=["status", "last_message_at"])
        log_event(
            actor=actor, action="intake.reply", object_type="request", object_id=request.reference
        )
        # A request that came through a channel (SMS, Telegram ...) is answered there too.
        call_hooks("request_replied", actor=actor, request=request, message=message, text=text)
    return message


def open_case(*, keyring: Keyring, request: HelpRequest, caseworker: User) -> Case:
    """Move a request into a new case: its conversation is re-encrypted under a fresh case vault
    granted to the operator and the chosen caseworker. The person's codename is linked to the case
    so that their check-ins reach it."""
    if request.case_id:
        raise ValueError(_("A case is already open for this request."))
    if not caseworker.has_role(Role.CASEWORKER, Role.COORDINATOR):
        raise ValueError(_("Choose a caseworker."))
    if not caseworker.has_key_pair:
        raise ValueError(
            _(
                "This account has no key pair yet; it must sign in once before it can be given access."
            )
        )
    actor = keyring.user
    assert actor is not None
    intake = keyring.open(request.vault)
    conversation = []
    for m in request.messages.order_by("created_at"):
        conversation.append(
            {
                "direction": m.direction,
                "at": m.created_at.isoformat(),
                "body": intake.unseal(m, "body"),
                "contact": intake.unseal(m, "contact"),
            }
        )
    with transaction.atomic():
        # The same action as the staff form's "new case": one path, so a case from the hotline
        # has its vetting checklist and assignments like any other.
        case = create_case(
            keyring=keyring,
            risk={"urgent": Case.Risk.HIGH}.get(request.urgency, Case.Risk.MEDIUM),
            caseworker=caseworker,
        )
        vault = case.vault
        record = CaseIntakeRecord(case=case, vault=vault, request_reference=request.reference)
        keyring.open(vault).seal(record, conversation=conversation)
        record.save()
        request.case = case
        request.status = HelpRequest.Status.CASE_OPENED
        request.save(update_fields=["case", "status"])
        PortalIdentity.objects.filter(pk=request.identity_id).update(case=case)
        log_event(
            actor=actor,
            action="intake.open_case",
            object_type="request",
            object_id=request.reference,
            data={"case": case.reference, "caseworker": caseworker.pk},
        )
        from haven.alerts.actions import notify

        notify(
            recipients=[caseworker],
            kind="case_assigned",
            reference=case.reference,
            link=f"/staff/cases/{case.id}/",
        )
    return case

"""Everything after an adapter: an inbound message becomes a request (or a message on the
sender's request) in the triage queue, sealed before it is written; panic words escalate;
replies are queued for the gateway with their payload sealed under the delivery key.

No handle, text or provider id is ever logged here or in an error message: the log lines say a
channel's name, counts and outcomes."""

from __future__ import annotations

import base64
import json
import logging
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from haven.audit.log import log_event
from haven.channels import texts
from haven.channels.adapters import Inbound, InboundAttachment, adapter_class
from haven.channels.models import Channel, InboundMessage, KnownHandle, Reply, Sender
from haven.intake.public import (
    HelpRequest,
    PortalIdentity,
    UploadedFile,
    intake_vault,
    submit_request,
    write_again,
)
from haven.lib import uploads
from haven.safety.public import SafetyIncident, Watch, open_incident, panic
from haven.vault.keyring import seal_box
from haven.vault.worker_keys import keyed_digest, open_for_worker, seal_for_worker

if TYPE_CHECKING:
    from haven.accounts.models import User
    from haven.vault.keyring import Keyring

log = logging.getLogger("haven.channels")

ATTACHMENT_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
}


# --- sealing helpers ------------------------------------------------------------------------


def handle_digest(kind: str, normalised: str) -> str:
    space = adapter_class(kind).handle_space or kind
    return keyed_digest("channel-handle", f"{space}|{normalised}".encode()).hex()


def provider_digest(channel: Channel, provider_id: str) -> str:
    return keyed_digest("channel-message", f"{channel.pk}|{provider_id}".encode()).hex()


def seal_secrets(channel: Channel, secrets: dict[str, str]) -> None:
    channel.sealed_secrets = seal_for_worker(
        json.dumps(secrets), binding=f"channel-secrets|{channel.pk}"
    )


def adapter_config(channel: Channel) -> dict[str, Any]:
    config = dict(channel.config or {})
    if channel.sealed_secrets:
        config.update(
            json.loads(
                open_for_worker(
                    bytes(channel.sealed_secrets), binding=f"channel-secrets|{channel.pk}"
                )
            )
        )
    return config


def adapter_for(channel: Channel) -> Any:
    cls = adapter_class(channel.kind)
    if cls.keeps_state:
        config = adapter_config(channel)
        # Inside the sealed state nio pickles each Olm/Megolm secret again under this key: a
        # state opened by mistake (a debugging dump of the blob) still shows no session key.
        # Derived from the delivery key per channel, never stored.
        config["pickle_key"] = keyed_digest("channel-state-pickle", str(channel.pk).encode()).hex()
        return cls(config)
    return adapter_class(channel.kind)(adapter_config(channel))


def seal_state(channel: Channel, state: bytes) -> bytes:
    """An adapter's state between steps (bytes: zlib, then base64 inside the sealed text)."""
    packed = base64.b64encode(zlib.compress(state, 6)).decode("ascii")
    return seal_for_worker(packed, binding=f"channel-state|{channel.pk}")


def open_state(channel: Channel, sealed: bytes) -> bytes:
    """The state sealed by `seal_state`; raises ValueError if it cannot be opened (another
    delivery key, a damaged row), which the gateway treats as a lost state."""
    try:
        packed = open_for_worker(bytes(sealed), binding=f"channel-state|{channel.pk}")
        return zlib.decompress(base64.b64decode(packed))
    except Exception as exc:  # noqa: BLE001  (any failure is the same: the state is lost)
        raise ValueError(f"the channel's state cannot be opened ({type(exc).__name__})") from None


def _seal_payload(reply: Reply, to: str, text: str) -> None:
    reply.payload = seal_for_worker(
        json.dumps({"to": to, "text": text}), binding=f"channel-reply|{reply.pk}"
    )


def open_payload(reply: Reply) -> dict[str, str]:
    return json.loads(
        open_for_worker(bytes(reply.payload or b""), binding=f"channel-reply|{reply.pk}")
    )


def _sender_handle(sender: Sender) -> str:
    return open_for_worker(bytes(sender.handle_for_worker), binding=f"channel-sender|{sender.pk}")


# --- inbound ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ingested:
    inbound: InboundMessage
    duplicate: bool


def _files(attachments: tuple[InboundAttachment, ...]) -> list[UploadedFile]:
    """Attachments through the same hostile-upload inspection as the portal's; a file that
    fails it is left out (the person's text still arrives; triage sees how many were kept)."""
    import io

    max_bytes = settings.HAVEN_INTAKE_MAX_FILE_BYTES
    kept = []
    for a in attachments:
        verdict = uploads.inspect_upload(
            a.name, io.BytesIO(a.data), max_bytes=max_bytes, allowed_kinds=ATTACHMENT_TYPES
        )
        if verdict.problems or verdict.kind is None:
            continue
        data, original = a.data, None
        try:
            if verdict.kind in uploads.IMAGE_KINDS:
                data = uploads.reencode_image(data)
            elif verdict.kind == "pdf":
                original, data = data, uploads.strip_pdf(data)
        except ValueError:
            continue
        kept.append(
            UploadedFile(
                verdict.safe_name,
                ATTACHMENT_TYPES[verdict.kind],
                data,
                stripped=True,
                original=original,
            )
        )
    return kept


def _personal_words(known: KnownHandle) -> dict[str, list[str]]:
    if not known.words_for_worker:
        return {}
    return json.loads(
        open_for_worker(bytes(known.words_for_worker), binding=f"channel-known|{known.pk}")
    )


def _alarm(known: KnownHandle | None, channel: Channel, text: str) -> str:
    """ "duress", "panic" or "" for this message from this (maybe known) handle."""
    personal = _personal_words(known) if known else {}
    if personal.get("duress") and texts.contains_word(text, personal["duress"]):
        return "duress"
    if texts.contains_word(text, texts.panic_words(channel) + personal.get("panic", [])):
        return "panic"
    return ""


def _escalate_known(known: KnownHandle, *, duress: bool) -> None:
    from haven.cases.public import Case

    case = Case.objects.filter(pk=known.case_id).first()
    if case is None:
        return
    watch = Watch.objects.filter(case=case).order_by("-created_at").first()
    kind = SafetyIncident.Kind.DURESS if duress else SafetyIncident.Kind.PANIC
    open_incident(kind=kind, case=case, watch=watch)


def ingest(channel: Channel, message: Inbound) -> Ingested:
    """One inbound message into intake, exactly once. Sealed before written; committed (with
    the first reply queued) in one transaction, so a crash leaves either all of it or none and
    the provider's retry or the next poll brings it again."""
    digest = provider_digest(channel, message.provider_id)
    earlier = InboundMessage.objects.filter(channel=channel, provider_digest=digest).first()
    if earlier is not None:
        return Ingested(earlier, duplicate=True)
    adapter = adapter_class(channel.kind)
    normalised = adapter({}).normalise_handle(message.sender)
    sender_digest = handle_digest(channel.kind, normalised)
    # The digest names the handle space, not the kind: a number registered for SMS is known
    # whether the SMS came through the gateway or the modem.
    known = KnownHandle.objects.filter(handle_digest=sender_digest).order_by("-created_at").first()
    alarm = _alarm(known, channel, message.text)
    files = _files(message.attachments)
    language = texts.language_for(channel, message.language)
    try:
        with transaction.atomic():
            sender = (
                Sender.objects.select_for_update()
                .filter(channel=channel, handle_digest=sender_digest)
                .first()
            )
            codename = None
            if sender is None:
                submission = submit_request(
                    text=message.text,
                    # What the person felt is unknown on a channel: a panic word is "now",
                    # anything else is treated as "days" (high), never as "it can wait".
                    felt_urgency="now" if alarm and not known else "days",
                    contact=f"{adapter.label}: {adapter({}).display_handle(message.sender)}",
                    files=files,
                    language=language,
                )
                request = submission.request
                codename = submission.codename
                sender = Sender(
                    channel=channel,
                    handle_digest=sender_digest,
                    vault=intake_vault(),
                    identity_id=request.identity_id,
                    language=language,
                )
                seal_box(sender, handle=message.sender)
                sender.handle_for_worker = seal_for_worker(
                    message.sender, binding=f"channel-sender|{sender.pk}"
                )
                sender.save()
                outcome = InboundMessage.Outcome.NEW_REQUEST
            else:
                identity = PortalIdentity.objects.get(pk=sender.identity_id)
                written = write_again(identity=identity, text=message.text, files=files)
                request = written.request
                outcome = InboundMessage.Outcome.MESSAGE
            inbound = InboundMessage.objects.create(
                channel=channel,
                provider_digest=digest,
                sender=sender,
                request_id=request.pk,
                outcome=outcome,
                received_at=message.received_at or timezone.now(),
            )
            if alarm and known is not None:
                _escalate_known(known, duress=alarm == "duress")
                inbound.outcome = InboundMessage.Outcome.PANIC
            elif alarm and outcome == InboundMessage.Outcome.MESSAGE:
                # A returning sender: the portal's panic button, for their identity.
                panic(identity=PortalIdentity.objects.get(pk=sender.identity_id))
                inbound.outcome = InboundMessage.Outcome.PANIC
            elif alarm:
                inbound.outcome = InboundMessage.Outcome.URGENT
            if inbound.outcome != outcome:
                inbound.save(update_fields=["outcome"])
            if codename is not None:
                reply = Reply(
                    channel=channel,
                    sender=sender,
                    request_id=request.pk,
                    purpose=Reply.Purpose.FIRST,
                )
                _seal_payload(
                    reply,
                    message.sender,
                    texts.first_reply(channel, language=language, codename=codename),
                )
                reply.save()
            log_event(
                action="channel.inbound",
                object_type="request",
                object_id=request.reference,
                data={"channel": channel.name, "outcome": inbound.outcome, "files": len(files)},
            )
    except IntegrityError:
        # The same message, ingested at once by another process: it committed first.
        earlier = InboundMessage.objects.filter(channel=channel, provider_digest=digest).first()
        if earlier is None:
            raise
        return Ingested(earlier, duplicate=True)
    log.info("channel %s: inbound %s", channel.name, inbound.outcome)
    return Ingested(inbound, duplicate=False)


# --- outbound ---------------------------------------------------------------------------------


def on_request_replied(*, actor: User, request: HelpRequest, message: Any, text: str) -> None:
    """Hook `request_replied` (intake's reply action, in its transaction): a request that came
    from a channel gets the reply over that channel too."""
    sender = (
        Sender.objects.filter(identity_id=request.identity_id)
        .select_related("channel")
        .order_by("-created_at")
        .first()
    )
    if sender is None:
        return
    reply = Reply(
        channel=sender.channel,
        sender=sender,
        request_id=request.pk,
        message_id=message.pk,
        purpose=Reply.Purpose.STAFF,
    )
    _seal_payload(reply, _sender_handle(sender), text)
    reply.save()


def queue_test(*, channel: Channel, to: str, text: str) -> Reply:
    """A test message to a handle an operator gives (`haven channels test`)."""
    with transaction.atomic():
        reply = Reply(channel=channel, purpose=Reply.Purpose.TEST)
        _seal_payload(reply, to, text)
        reply.save()
        log_event(action="channel.test", object_type="channel", object_id=channel.name, data={})
    return reply


def channel_status(request: Any, help_request: HelpRequest) -> list[dict[str, Any]]:
    """Hook `request_channel_status`: the channel a request came through and the delivery of
    each reply over it, for the triage page (no handle: it is in the sealed contact line)."""
    senders = list(
        Sender.objects.filter(identity_id=help_request.identity_id).select_related("channel")
    )
    if not senders:
        return []
    replies = Reply.objects.filter(request_id=help_request.pk).order_by("created_at")
    return [
        {
            "channel": sender.channel,
            "kind": sender.channel.get_kind_display(),
            "replies": [r for r in replies if r.sender_id == sender.pk],
        }
        for sender in senders
    ]


# --- known handles ----------------------------------------------------------------------------


def register_known_handle(
    *,
    keyring: Keyring,
    case: Any,
    kind: str,
    handle: str,
    panic_words: list[str],
    duress_words: list[str],
) -> KnownHandle:
    """Register a watched person's handle in their case: sealed to the case vault, found by its
    keyed digest, personal words under the delivery key."""
    actor = keyring.user
    normalised = adapter_class(kind)({}).normalise_handle(handle)
    with transaction.atomic():
        known = KnownHandle(
            case_id=case.pk,
            vault=case.vault,
            kind=kind,
            handle_digest=handle_digest(kind, normalised),
            created_by=actor,
        )
        seal_box(known, handle=handle)
        words = {
            "panic": [w for w in panic_words if w.strip()],
            "duress": [w for w in duress_words if w.strip()],
        }
        known.words_for_worker = seal_for_worker(
            json.dumps(words), binding=f"channel-known|{known.pk}"
        )
        known.save()
        log_event(
            actor=actor,
            action="channel.known_handle",
            object_type="case",
            object_id=case.reference,
            data={"kind": kind},
        )
    return known


# --- channels ---------------------------------------------------------------------------------


def create_channel(
    *,
    kind: str,
    name: str,
    config: dict[str, Any],
    secrets: dict[str, str],
    panic_words: dict[str, list[str]] | None = None,
    texts_by_language: dict[str, dict[str, str]] | None = None,
) -> Channel:
    """A new channel (`haven channels add`). Secrets are sealed under the delivery key."""
    adapter_class(kind)  # refuses an unknown kind
    with transaction.atomic():
        channel = Channel(
            kind=kind,
            name=name,
            config=config,
            panic_words=panic_words or {},
            texts=texts_by_language or {},
        )
        seal_secrets(channel, secrets)
        channel.save()
        log_event(
            action="channel.create", object_type="channel", object_id=name, data={"kind": kind}
        )
    return channel


def update_channel(*, channel: Channel, config: dict[str, Any], secrets: dict[str, str]) -> None:
    """Change some of a channel's settings and secrets (`haven channels set`), keeping the
    rest: a Matrix bot logged in again gets its new device id and token this way."""
    with transaction.atomic():
        kept = {k: v for k, v in adapter_config(channel).items() if k not in channel.config}
        channel.config = {**channel.config, **config}
        seal_secrets(channel, {**kept, **secrets})
        channel.save(update_fields=["config", "sealed_secrets"])
        log_event(
            action="channel.update",
            object_type="channel",
            object_id=channel.name,
            data={"settings": sorted(config), "secrets": sorted(secrets)},
        )


def remove_known_handle(*, keyring: Keyring, known: KnownHandle, reference: str) -> None:
    """Take a registered handle off a case (the caseworker's page); audited."""
    with transaction.atomic():
        kind = known.kind
        known.delete()
        log_event(
            actor=keyring.user,
            action="channel.known_handle_removed",
            object_type="case",
            object_id=reference,
            data={"kind": kind},
        )


def save_channel_texts(
    *,
    actor: Any,
    channel: Channel,
    texts_by_language: dict[str, dict[str, str]],
    panic_words: dict[str, list[str]],
) -> None:
    """A coordinator's own texts and panic words for a channel (empty: the shipped ones)."""
    with transaction.atomic():
        channel.texts = texts_by_language
        channel.panic_words = panic_words
        channel.save(update_fields=["texts", "panic_words"])
        log_event(
            actor=actor,
            action="channel.texts",
            object_type="channel",
            object_id=str(channel.pk),
            data={
                "own_texts": sorted(
                    f"{lang}.{k}" for lang, t in texts_by_language.items() for k in t
                ),
                "own_panic_words": sorted(panic_words),
            },
        )

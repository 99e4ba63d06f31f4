"""Channels: the configured doors (an SMS gateway, a Telegram bot, a Signal number ...), the
people who wrote through them (sealed handle + keyed blind index), every inbound message seen
(deduped on the provider's message id), and every reply going back with its delivery status.

What is sealed where, and why:
- A sender's handle is sealed twice: to the intake vault's public key (staff read it on the
  request) and under the delivery key (`haven.vault.worker_keys`; the gateway must answer the
  person without any staff grant, as the safety worker sends alerts). Its normalised form is
  found again by a keyed digest (`handle_digest`), never stored in the clear.
- The provider's message id can itself be identifying (a Signal envelope names its source),
  so only its keyed digest is kept, which is all dedupe needs.
- A reply's payload (recipient and text) is sealed under the delivery key bound to the reply's
  row, and dropped once it is sent: after that the text lives only in the intake conversation.
- Personal panic and duress words of a known handle are sealed under the delivery key too: the
  ingest path must compare each message with them without a staff grant.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.channels import problems
from haven.vault.fields import SealedField
from haven.vault.models import UUIDModel, VaultOwned


class Kind(models.TextChoices):
    SMS = "sms", _("SMS")
    TELEGRAM = "telegram", _("Telegram")
    SIGNAL = "signal", _("Signal")
    EMAIL = "email", _("E-mail")
    MATRIX = "matrix", _("Matrix")
    GAMMU = "gammu", _("SMS (GSM modem)")


class Channel(UUIDModel):
    """One configured door. `config` holds what is not secret (a base URL, the bot's name);
    `sealed_secrets` the tokens and webhook secrets, under the delivery key."""

    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.SlugField(max_length=40, unique=True)
    enabled = models.BooleanField(default=True)
    config = models.JSONField(default=dict, blank=True)
    sealed_secrets = models.BinaryField(null=True, blank=True)
    # Per language ("ru", "en"): {"first_reply": "...", "risk": "..."}; empty keys fall back to
    # the shipped texts (haven/channels/texts.py). Set through create_channel or the channel's
    # Texts page (views_handles.channel_texts; only what differs from the shipped texts).
    texts = models.JSONField(default=dict, blank=True)
    # Per language: a list of panic words ("помогите", "help"); empty: the shipped defaults.
    panic_words = models.JSONField(default=dict, blank=True)
    # A poller's position (Telegram's update offset ...), saved only after the batch before it
    # was ingested, so a restart repeats (deduped) rather than loses.
    cursor = models.CharField(max_length=200, blank=True, default="")
    # An adapter's own state between steps (Matrix: nio's end-to-end key store, the bot's Olm
    # account, its sessions and the devices it knows), under the delivery key. Saved in the
    # same UPDATE as the cursor, so a restart resumes from a state and a position that agree.
    sealed_state = models.BinaryField(null=True, blank=True)
    # Whoever is using `sealed_state` now (a gateway's poll or send step), taken with a
    # conditional UPDATE and held only for that step: two steps working from one state would
    # each save their own and one would lose keys the homeserver already has.
    state_lease = models.UUIDField(null=True, blank=True)
    state_lease_until = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    def problem(self) -> str:
        """The last error in the reader's language (`last_error` is a `problems.record`)."""
        return problems.describe(self.last_error)


class Sender(UUIDModel, VaultOwned):
    """A person who wrote through a channel, tied to the codename identity made for them."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="senders")
    handle_digest = models.CharField(max_length=64)
    handle = SealedField(box=True)  # to the intake vault, for staff
    handle_for_worker = models.BinaryField()  # under the delivery key, for replies
    # intake.PortalIdentity (no foreign key across the door: a plain id, like evidence's links)
    identity_id = models.UUIDField()
    language = models.CharField(max_length=8, default="ru")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "handle_digest"], name="channels_sender_once_per_channel"
            )
        ]
        indexes = [models.Index(fields=["identity_id"])]


class KnownHandle(UUIDModel, VaultOwned):
    """A handle registered in a watched person's case (sealed to the case vault). A message
    from it with a panic word escalates like the portal's panic button; with the person's
    duress word, silently."""

    case_id = models.UUIDField()  # cases.Case
    kind = models.CharField(max_length=16, choices=Kind.choices)
    handle_digest = models.CharField(max_length=64, db_index=True)
    handle = SealedField(box=True)
    # {"panic": [...], "duress": [...]} under the delivery key (the ingest path compares).
    words_for_worker = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )


class InboundMessage(UUIDModel):
    """Every message received, once: the unique (channel, provider_digest) is what makes a
    repeated webhook or a re-polled batch harmless."""

    class Outcome(models.TextChoices):
        NEW_REQUEST = "new_request", _("New request")
        MESSAGE = "message", _("Message on a request")
        PANIC = "panic", _("Panic")
        URGENT = "urgent", _("Urgent request")

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="inbound")
    provider_digest = models.CharField(max_length=64)
    sender = models.ForeignKey(Sender, on_delete=models.PROTECT, related_name="inbound")
    request_id = models.UUIDField()  # intake.HelpRequest
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    received_at = models.DateTimeField(default=timezone.now)
    ingested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "provider_digest"], name="channels_inbound_once"
            )
        ]


class Reply(UUIDModel):
    """A message going back to a person over their channel."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    class Purpose(models.TextChoices):
        FIRST = "first", _("First reply with the codename")
        STAFF = "staff", _("Reply from triage")
        TEST = "test", _("Test message")

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="replies")
    sender = models.ForeignKey(
        Sender, null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    request_id = models.UUIDField(null=True, blank=True)  # intake.HelpRequest
    message_id = models.UUIDField(null=True, blank=True)  # intake.Message (a staff reply)
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    payload = models.BinaryField(null=True, blank=True)  # {to, text} under the delivery key
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=200, blank=True, default="")
    last_error = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="queued"),
                name="channels_reply_due_idx",
            ),
            models.Index(fields=["request_id"]),
            models.Index(fields=["channel", "provider_id"]),
        ]

    def problem(self) -> str:
        """Why the last attempt failed, in the reader's language."""
        return problems.describe(self.last_error)

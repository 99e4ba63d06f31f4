"""The portal's people (known only by their codename's key) and their requests for help.

Everything a person writes is sealed to the intake vault's public key before it is saved, and a
copy to their own codename key so they can read back the conversation; replies likewise."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.lib.references import random_reference
from haven.vault.fields import SealedField
from haven.vault.models import UUIDModel, Vault, VaultOwned


def new_request_reference() -> str:
    return random_reference("RQ")


class PortalConfig(models.Model):
    """Installation-wide portal values. The codename salt is not secret (the codename's own
    entropy protects it) but must never change, or every codename stops working."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    codename_salt = models.BinaryField()


class PortalIdentity(UUIDModel):
    """A person who holds a codename. The server knows only the codename's derived lookup id and
    public key (kept as the public key of a vault of kind `codename`, which no staff key opens)."""

    lookup_id = models.CharField(max_length=64, unique=True)
    # Which derivation the lookup id comes from (haven.vault.codename: LEGACY = 1, CURRENT = 2).
    # Rows from before the current derivation are 1 until their person signs in again.
    kdf = models.PositiveSmallIntegerField(default=2)
    # A re-keyed legacy identity's own private key, sealed under its current derivation, so
    # that everything sealed to its public key stays readable (haven/vault/codename.py).
    legacy_private_key = models.BinaryField(null=True, blank=True)
    vault = models.OneToOneField(Vault, on_delete=models.PROTECT, related_name="portal_identity")
    language = models.CharField(max_length=8, default="ru")
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="portal_identities",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # "Are any legacy identities left?" is asked on every failed codename sign-in.
            models.Index(
                fields=["kdf"], condition=models.Q(kdf=1), name="intake_identity_legacy_idx"
            ),
        ]


class PortalSession(models.Model):
    """A signed-in portal visit. The row holds the codename private key only encrypted under a
    secret that lives in the visitor's cookie; the row is found by the hash of a token."""

    token_hash = models.CharField(max_length=64, primary_key=True)
    identity = models.ForeignKey(PortalIdentity, on_delete=models.CASCADE, related_name="sessions")
    wrapped_key = models.TextField()
    # The portal language the person chose. Before sign-in it travels in `?lang=` (no cookie may
    # exist yet); after sign-in it lives here, so a redirect or a bare link cannot drop it.
    language = models.CharField(max_length=8, default="ru")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)


class CodenameThrottle(models.Model):
    """No longer written: wrong codenames are not counted (haven/intake/portal.py says why).
    Kept so that this branch adds no migration; a later one may drop the table."""

    key = models.CharField(max_length=64, primary_key=True)
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField(default=timezone.now)


class HelpRequest(UUIDModel, VaultOwned):
    class FeltUrgency(models.TextChoices):
        NOW = "now", _("I am in danger right now")
        DAYS = "days", _("In the next few days")
        LATER = "later", _("It can wait a little")

    class Urgency(models.TextChoices):
        URGENT = "urgent", _("Urgent")
        HIGH = "high", _("High")
        NORMAL = "normal", _("Normal")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        READ = "read", _("Read")
        REPLIED = "replied", _("Replied")
        CASE_OPENED = "case_opened", _("Case opened")

    reference = models.CharField(max_length=16, unique=True, default=new_request_reference)
    identity = models.ForeignKey(PortalIdentity, on_delete=models.PROTECT, related_name="requests")
    felt_urgency = models.CharField(max_length=8, choices=FeltUrgency.choices)
    urgency = models.CharField(max_length=8, choices=Urgency.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    language = models.CharField(max_length=8, default="ru")
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)
    first_read_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The help form's token, hashed: the same form posted twice (a resubmission after a dropped
    # connection over Tor, a double press) finds this request instead of creating a second one.
    form_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # The codename, encrypted under a key derived from that form token (which the server never
    # stores), so a resubmission of the same form can be shown the same codename. Cleared at the
    # first codename sign-in and when the token expires.
    retry_codename = models.BinaryField(null=True, blank=True)
    # Panic presses before a case exists: counted here, since there is no case to hold an
    # incident, so the request page and the triage list can show them.
    panic_count = models.PositiveIntegerField(default=0)
    panic_last_at = models.DateTimeField(null=True, blank=True)
    # Surviving a surge (docs/intake.md). Since when the person has waited for an answer: set
    # when they write and nobody has answered yet, cleared by a staff reply or an opened case.
    waiting_since = models.DateTimeField(null=True, blank=True, default=timezone.now)
    # When the waiting-time alert went out for the current wait (None: not yet). The worker's
    # claim is a conditional UPDATE on this column, so two workers never alert twice.
    wait_alerted_at = models.DateTimeField(null=True, blank=True)
    # The operator answering this person now, so that two people do not answer the same
    # person. A claim older than the rules' claim timeout counts as released.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The worker's sweep and the triage header: only requests still waiting.
            models.Index(
                fields=["urgency", "waiting_since", "vault"],
                condition=models.Q(waiting_since__isnull=False),
                name="intake_request_waiting_idx",
            ),
            models.Index(fields=["-last_message_at"]),
            models.Index(fields=["status", "urgency"]),
            models.Index(
                fields=["created_at"],
                condition=models.Q(retry_codename__isnull=False),
                name="intake_retry_codename_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: object, **kwargs: object) -> None:
        if self._state.adding:
            while HelpRequest.objects.filter(reference=self.reference).exists():
                self.reference = new_request_reference()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Message(UUIDModel, VaultOwned):
    """One message of a request's conversation, as staff read it (sealed to the intake vault)."""

    class Direction(models.TextChoices):
        IN = "in", _("From the person")
        OUT = "out", _("Reply")

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=4, choices=Direction.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    body = SealedField(box=True)
    contact = SealedField(box=True)

    class Meta:
        ordering = ["created_at"]


class PersonCopy(UUIDModel, VaultOwned):
    """The same message sealed to the person's codename key, so they can read the conversation."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="person_copy")
    body = SealedField(box=True)


class MessageAttachment(UUIDModel, VaultOwned):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    # The working copy staff download: a picture re-encoded (no EXIF, GPS, camera data), a PDF
    # rebuilt from its pages alone (no metadata, JavaScript, actions, embedded files, forms).
    content = SealedField(kind="bytes", box=True)
    # A PDF as it was sent, kept sealed for evidence; served only deliberately (docs/intake.md).
    # Pictures keep no original: the form promises that their location data is removed.
    original = SealedField(kind="bytes", box=True)
    meta = SealedField(kind="json", box=True)  # name, type, size, whether metadata was stripped
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The table keeps the name it had as `Attachment`: sealed fields' associated data names
        # the table (vault/keyring.py `_aad`), so another name would make every stored
        # ciphertext unreadable.
        db_table = "intake_attachment"


class CaseIntakeRecord(UUIDModel, VaultOwned):
    """A request's conversation, re-encrypted into the case vault when a case is opened."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="intake_records")
    request_reference = models.CharField(max_length=16)
    conversation = SealedField(kind="json")
    created_at = models.DateTimeField(default=timezone.now)


class CaseMessage(UUIDModel, VaultOwned):
    """A message the person writes after their case was opened, sealed to the case vault's public
    key (the portal holds no grant), so that it reaches the case page and its caseworkers."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="portal_messages")
    request_reference = models.CharField(max_length=16)
    body = SealedField(box=True)
    # Files stay with the hotline request; the case page says how many there were.
    file_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]


class TriageRules(models.Model):
    """The coordinators' waiting-time thresholds per urgency and the claim timeout (one row).
    Without a row the defaults below apply."""

    DEFAULT_MINUTES = {"urgent": 10, "high": 30, "normal": 120}
    DEFAULT_CLAIM_MINUTES = 20

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    urgent_minutes = models.PositiveIntegerField(default=DEFAULT_MINUTES["urgent"])
    high_minutes = models.PositiveIntegerField(default=DEFAULT_MINUTES["high"])
    normal_minutes = models.PositiveIntegerField(default=DEFAULT_MINUTES["normal"])
    claim_minutes = models.PositiveIntegerField(default=DEFAULT_CLAIM_MINUTES)
    updated_at = models.DateTimeField(default=timezone.now)

    @classmethod
    def current(cls) -> TriageRules:
        return cls.objects.filter(pk=1).first() or cls()

    def minutes_for(self, urgency: str) -> int:
        return int(getattr(self, f"{urgency}_minutes", self.normal_minutes))


class CannedReply(UUIDModel, VaultOwned):
    """A ready answer operators insert in one click, in Russian and English. Sealed to the
    intake vault's public key (coordinators write it without opening the vault; operators who
    hold the grant read it): it is free text, and a careless one may name a place."""

    title = SealedField(box=True)
    text_ru = SealedField(box=True)
    text_en = SealedField(box=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "created_at"]

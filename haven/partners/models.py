"""Partner organisations, the person's consent, and the packages exchanged with partners.

What is in the clear here says who the partners are and how an exchange stands (states, times,
which fields were chosen by name), never anything about a person: names, answers' reasons, the
content of what was received are sealed (in the case vault, or in the partners vault), or are
age ciphertext only the recipient's key opens.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.cases.public import Case, Person
from haven.vault.fields import SealedField
from haven.vault.models import UUIDModel, Vault, VaultOwned


class Partner(UUIDModel):
    """An organisation in the directory, kept by coordinators. Fields after Open Referral (HSDS
    `organization`, `service`, `service_area`, `contact`) where they fit; the keys are Haven's."""

    name = models.CharField(_("name"), max_length=200)
    alternate_name = models.CharField(_("other name"), max_length=200, blank=True)
    description = models.TextField(_("what it does"), blank=True)
    services = models.CharField(_("services"), max_length=300, blank=True)
    countries = models.JSONField(_("countries"), default=list, blank=True)  # ISO 3166-1 alpha-2
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    # The base address of the partner's own Haven (`https://haven.example.org`); empty when
    # packages travel as files only.
    haven_url = models.URLField(_("Haven address"), blank=True)
    age_recipient = models.CharField(_("encryption key (age)"), max_length=100)
    verify_key = models.CharField(_("signing key (Ed25519)"), max_length=64)
    signing_fingerprint = models.CharField(max_length=32, unique=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ExchangeKeys(UUIDModel, VaultOwned):
    """This organisation's own keys for partner exchange: the age identity packages are sealed
    to, and the Ed25519 seed it signs with. Both secrets are sealed in the partners vault (given
    to coordinators): a seized disk opens no package received, and signing needs a coordinator
    signed in. The public halves are in the clear, to give to partners."""

    age_recipient = models.CharField(max_length=100)
    age_identity = SealedField()
    signing_seed = SealedField(kind="bytes")
    verify_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)


class Purpose(models.TextChoices):
    REFERRAL = "referral", _("Referral (part of the case)")
    TRANSFER = "transfer", _("Transfer (the whole case)")


class Consent(UUIDModel, VaultOwned):
    """A person's consent to be referred or transferred to one partner: who consented (the
    person), to what (partner and purpose), when, and how it was given (sealed note)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="partner_consents")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    given_on = models.DateField()
    how = SealedField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)


class Referral(UUIDModel, VaultOwned):
    """A referral or transfer this organisation sends. Its id is the package's id."""

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", _("Waiting for a second coordinator")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        REVOKED = "revoked", _("Revoked")
        COMPLETED = "completed", _("Completed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="partner_referrals")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="referrals")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    status = models.CharField(
        max_length=24, choices=Status.choices, default=Status.AWAITING_APPROVAL
    )
    # Which people and which of their fields, by name (never their values), which documents.
    people = models.JSONField(default=list)
    fields = models.JSONField(default=list)
    documents = models.JSONField(default=list)
    identified = models.BooleanField(default=True)
    message = SealedField()
    override_reason = SealedField()
    approval = models.ForeignKey(
        "cases.ApprovalRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)  # the partner says it destroyed

    class Meta:
        indexes = [models.Index(fields=["status", "-created_at"])]


class IncomingReferral(UUIDModel, VaultOwned):
    """A referral or transfer a partner sent us. `vault` is the partners vault: the reason we
    give is sealed there. The package itself stays age ciphertext until a coordinator opens it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        COMPLETED = "completed", _("Completed")
        DESTROYED = "destroyed", _("Destroyed at the sender's request")

    package_id = models.UUIDField(unique=True)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="incoming")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    sealed = models.BinaryField(null=True)  # age ciphertext; emptied when destroyed
    received_at = models.DateTimeField(default=timezone.now)
    reason = SealedField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revocation_requested_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "-received_at"])]


class Envelope(models.Model):
    """Every package sent or received, by its id: the replay guard (an id seen once, in either
    direction, is refused for ever) and the outbox (a package to download as a file or to
    deliver again). Received packages keep no bytes here (the referral row does)."""

    class Direction(models.TextChoices):
        OUT = "outgoing", _("Sent")
        IN = "incoming", _("Received")

    id = models.UUIDField(primary_key=True)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="envelopes")
    type = models.CharField(max_length=16)
    in_reply_to = models.UUIDField(null=True, blank=True)
    data = models.BinaryField(null=True)  # sent packages: the whole signed file (ciphertext)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_error = models.CharField(max_length=32, blank=True)

    class Meta:
        indexes = [models.Index(fields=["in_reply_to"])]


__all__ = [
    "Consent",
    "Envelope",
    "ExchangeKeys",
    "IncomingReferral",
    "Partner",
    "Purpose",
    "Referral",
    "Vault",
]

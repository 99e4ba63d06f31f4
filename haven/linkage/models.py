"""Exports of encodings, comparisons with a partner's file, and the suggestions they make.

Nothing here names a person or lets the partner's file be read back to a record without a key:
the export handle and the per-record tokens in the file are random; which token is which of our
records is sealed, per vault, in ``LinkageMapping``; a suggestion seals which record and which
partner token it pairs. What stays in the clear is metadata: when, how many, the score, who
decided.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.vault.fields import SealedField
from haven.vault.models import UUIDModel, VaultOwned


class Source(models.TextChoices):
    REGISTRY = "registry", _("Missing-persons registry")
    CASES = "cases", _("People in cases")


class LinkageExport(UUIDModel):
    """One run of ``haven linkage encode``. ``handle`` is written into the file (random, so the
    partner learns nothing from it); it finds this export again when their answer comes back."""

    handle = models.CharField(max_length=32, unique=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    records = models.PositiveIntegerField(default=0)
    encodings = models.PositiveIntegerField(default=0)


class LinkageMapping(UUIDModel, VaultOwned):
    """Which export token is which record, for the records of one vault: sealed, so that a copy
    of our database and the partner's file together still do not pair a CLK with a case."""

    export = models.ForeignKey(LinkageExport, on_delete=models.CASCADE, related_name="mappings")
    tokens = SealedField(kind="json")  # {token: {"kind": "report"|"person", "id": "<uuid>"}}


class LinkageComparison(UUIDModel):
    """Our export compared with one partner file. ``partner_digest`` is a SHA-256 of the
    partner's export handle, so the same pair of files is not compared twice."""

    export = models.ForeignKey(LinkageExport, on_delete=models.PROTECT, related_name="comparisons")
    partner_digest = models.CharField(max_length=64)
    threshold = models.FloatField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    suggestions = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["export", "partner_digest"], name="linkage_compare_once_per_pair"
            )
        ]


class LinkageSuggestion(UUIDModel, VaultOwned):
    """A candidate pair: one of our records may be a person the partner also holds. A person
    confirms or rejects it; only a confirmation leads on, through a referral, to anything
    identifying being exchanged. ``vault`` is the vault of our record."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        CONFIRMED = "confirmed", _("Confirmed: worth a referral")
        REJECTED = "rejected", _("Rejected")

    comparison = models.ForeignKey(
        LinkageComparison, on_delete=models.PROTECT, related_name="pairs"
    )
    score = models.FloatField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    our_record = SealedField(kind="json")  # {"kind": "report"|"person", "id": "<uuid>"}
    partner = SealedField()  # the partner organisation, as the comparing coordinator named it
    partner_token = SealedField()  # the partner's token for their record (for the referral)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["state", "-score"]

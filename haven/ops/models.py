"""Operations state: the two-admin emergency wipe request, and the record that a wipe happened."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class WipeRequest(models.Model):
    """One admin starts a wipe; a *different* admin must confirm it before it expires."""

    class Status(models.TextChoices):
        PENDING = "pending"
        CONFIRMED = "confirmed"
        CANCELLED = "cancelled"

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "expires_at"])]


class WipeRecord(models.Model):
    """A wipe that was carried out: so that the app can say plainly, after it, why nothing opens.
    Counts only."""

    at = models.DateTimeField(default=timezone.now)
    via = models.CharField(max_length=16)  # "command" | "ui"
    grants = models.PositiveBigIntegerField(default=0)
    user_keys = models.PositiveBigIntegerField(default=0)
    vault_keys = models.PositiveBigIntegerField(default=0)
    sessions = models.PositiveBigIntegerField(default=0)

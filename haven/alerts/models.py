"""The outbox of staff notifications. A notification carries a kind, a reference and a link:
never a name, a place or free text (invariant 4). Delivery channels read from this table."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        DURESS_LOGIN = "duress_login", _("Duress sign-in")
        ACCOUNT_BURNED = "account_burned", _("Account burned")
        URGENT_REQUEST = "urgent_request", _("Urgent request waiting")
        CASE_ASSIGNED = "case_assigned", _("Case assigned")
        APPROVAL_NEEDED = "approval_needed", _("Approval needed")
        MISSED_CHECKIN = "missed_checkin", _("Missed check-in")
        PANIC = "panic", _("Panic")
        DURESS_CHECKIN = "duress_checkin", _("Duress check-in")
        HOUSE_COMPROMISED = "house_compromised", _("Safe house compromised")
        CHANNEL_FAILED = "channel_failed", _("Alert channel failed")
        PIN_GUESSING = "pin_guessing", _("Repeated wrong check-in PINs")
        AUDIT_CHECKPOINT = "audit_checkpoint", _("Audit checkpoint")
        PORTAL_MESSAGE = "portal_message", _("New message from the person")
        # The waiting-time rule (haven/intake/surge.py): the reference is the wait in minutes.
        URGENT_WAITING = "urgent_waiting", _("Urgent request unanswered")
        HIGH_WAITING = "high_waiting", _("High-urgency request unanswered")
        NORMAL_WAITING = "normal_waiting", _("Request unanswered")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # 96: an audit checkpoint's reference is "<row>:<64 hex digits>".
    reference = models.CharField(max_length=96, blank=True)
    link = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

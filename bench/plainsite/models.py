from __future__ import annotations

from django.db import models
from django.utils import timezone


class PlainRequest(models.Model):
    """The same columns a help request's text needs, stored as they come."""

    reference = models.CharField(max_length=16, unique=True)
    text = models.TextField()
    contact = models.TextField(blank=True)
    felt_urgency = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)

"""The case: one file that follows a person (or a group travelling together) to safety.

This is the minimal shape the other apps stand on (a reference, a vault, a state, assigned
staff); the case-management capability grows it."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.vault.fields import SealedField
from haven.vault.models import Vault

_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    """A short random reference for alerts and phone calls. Random, not sequential, so that it
    says nothing about how many cases exist or when this one was opened."""
    return "HV-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))


class Case(models.Model):
    class State(models.TextChoices):
        INTAKE = "intake", _("Intake")
        VETTING = "vetting", _("Vetting")
        PLANNING = "planning", _("Planning")
        IN_TRANSIT = "in_transit", _("In transit")
        SHELTERED = "sheltered", _("Sheltered")
        DOCUMENTS = "documents", _("Documents")
        DEPARTED = "departed", _("Departed")
        RESETTLED = "resettled", _("Resettled")
        CLOSED = "closed", _("Closed")
        MISSING = "missing", _("Missing")
        DETAINED = "detained", _("Detained")
        DECEASED = "deceased", _("Deceased")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Risk(models.TextChoices):
        CRITICAL = "critical", _("Critical")
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=16, unique=True, default=new_reference)
    vault = models.ForeignKey(Vault, on_delete=models.PROTECT, related_name="cases")
    state = models.CharField(max_length=16, choices=State.choices, default=State.INTAKE)
    risk = models.CharField(max_length=16, choices=Risk.choices, default=Risk.MEDIUM)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["state", "risk"]), models.Index(fields=["-created_at"])]

    def __str__(self) -> str:
        return self.reference


class CaseAssignment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_assignments"
    )
    role = models.CharField(max_length=16, default="caseworker")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"], name="one_assignment_per_case_and_user"
            )
        ]


class Person(models.Model):
    """A person in a case. Every identifying field is sealed in the case's vault."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="people")
    vault = models.ForeignKey(Vault, on_delete=models.PROTECT, related_name="+")
    given_name = SealedField()
    family_name = SealedField()
    patronymic = SealedField()
    aliases = SealedField(kind="json")
    notes = SealedField()
    created_at = models.DateTimeField(default=timezone.now)

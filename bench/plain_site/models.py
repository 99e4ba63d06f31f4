"""The plain site's rows: a case with a person's names in plain columns, notes, check-ins."""

from django.db import models
from django.utils import timezone


class Case(models.Model):
    reference = models.CharField(max_length=16, unique=True)
    state = models.CharField(max_length=16, default="intake")
    risk = models.CharField(max_length=16, default="medium")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)


class Note(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField()
    at = models.DateTimeField(default=timezone.now)


class Request(models.Model):
    text = models.TextField()
    felt_urgency = models.CharField(max_length=16)
    contact = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)


class CheckIn(models.Model):
    pin_ok = models.BooleanField()
    at = models.DateTimeField(default=timezone.now)

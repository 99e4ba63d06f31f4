"""Safe houses, placements, watches (check-in schedules), check-ins, incidents and escalation,
on-call rosters and alert channels.

The worker runs without anyone's keys: everything it reads (deadlines, states, who to notify) is a
plain, non-identifying column. Addresses and contact details are sealed in each house's vault."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.safety import schedule
from haven.vault.fields import SealedField
from haven.vault.models import UUIDModel, VaultOwned


class SafeHouse(UUIDModel, VaultOwned):
    """A safe house. Its code name is for staff screens; alerts name it only by `reference`."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        COMPROMISED = "compromised", _("Compromised")

    code = models.CharField(max_length=16, unique=True)  # a code name, never the address
    address = SealedField()
    access_instructions = SealedField()
    host_contact = SealedField()
    capacity = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    compromised_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.code

    @property
    def reference(self) -> str:
        """What an alert calls this house: derived from its random id, so an intercepted alert
        says nothing about which house (even the code name can mean something to someone)."""
        return "HS-" + self.id.hex[:8].upper()


class Placement(UUIDModel):
    house = models.ForeignKey(SafeHouse, on_delete=models.CASCADE, related_name="placements")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="placements")
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)  # the day they left: no longer resident

    class Meta:
        indexes = [models.Index(fields=["house", "ends_on"])]


class Watch(UUIDModel):
    """A check-in schedule for a watched case (a person in a safe house, in transit, in hiding)."""

    class State(models.TextChoices):
        NEW = "new", _("New")
        UP = "up", _("Up")
        DOWN = "down", _("Down")
        PAUSED = "paused", _("Paused")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="watches")
    interval_minutes = models.PositiveIntegerField(null=True, blank=True)
    fixed_times = models.JSONField(default=list, blank=True)  # ["09:00", "21:00"]
    time_zone = models.CharField(max_length=64, default="Europe/Moscow")
    grace_minutes = models.PositiveIntegerField(default=60)
    # This case's escalation policy; empty means the defaults from settings.
    escalation_step_minutes = models.PositiveIntegerField(null=True, blank=True)
    escalation_repeat_minutes = models.PositiveIntegerField(null=True, blank=True)
    pin_hash = models.CharField(max_length=255)
    duress_pin_hash = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.NEW)
    started_at = models.DateTimeField(default=timezone.now)
    last_checkin_at = models.DateTimeField(null=True, blank=True)
    # expected time + grace: the worker's indexed query is `next_deadline <= now` among watches
    # that are neither down nor paused, so a sweep costs what is due, not what is watched.
    next_deadline = models.DateTimeField(db_index=True)
    # Wrong PINs in a row. A seized phone with the codename on it lets someone try PINs; after
    # PIN_ATTEMPTS of them the watch stops accepting PINs for a while and raises a silent alarm.
    failed_pins = models.PositiveSmallIntegerField(default=0)
    pins_locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["state", "next_deadline"], name="watch_due_idx")]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def interval(self) -> dt.timedelta | None:
        return dt.timedelta(minutes=self.interval_minutes) if self.interval_minutes else None

    @property
    def times(self) -> list[dt.time]:
        return [dt.time.fromisoformat(t) for t in self.fixed_times]

    @property
    def grace(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.grace_minutes)

    def expected_at(self) -> dt.datetime:
        return schedule.expected_at(
            since=self.last_checkin_at or self.started_at,
            interval=self.interval,
            times=self.times,
            zone=self.zone,
        )

    def compute_deadline(self) -> dt.datetime:
        return self.expected_at() + self.grace

    def get_status_display(self, now: dt.datetime | None = None) -> str:
        """The computed status in words ("late" is computed, not stored, so it is no choice)."""
        return str(STATUS_LABELS.get(self.get_status(now), ""))

    def get_status(self, now: dt.datetime | None = None) -> str:
        return schedule.status(
            stored=self.state,
            now=now or timezone.now(),
            expected=self.expected_at(),
            grace=self.grace,
            has_checked_in=self.last_checkin_at is not None,
        )


# Every status get_status() can return, in words for the board and the schedule page.
STATUS_LABELS = {
    "new": _("New"),
    "up": _("Up"),
    "late": _("Late"),
    "down": _("Down"),
    "paused": _("Paused"),
}


class CheckIn(UUIDModel):
    class Method(models.TextChoices):
        PORTAL = "portal", _("Portal")
        PHONE = "phone", _("Phone call")
        IN_PERSON = "in_person", _("In person")

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="checkins")
    at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=16, choices=Method.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at"]


class SafetyIncident(UUIDModel):
    """Something that must reach a human: escalated step by step until acknowledged."""

    class Kind(models.TextChoices):
        MISSED = "missed_checkin", _("Missed check-in")
        PANIC = "panic", _("Panic")
        DURESS = "duress_checkin", _("Duress check-in")
        COMPROMISED = "house_compromised", _("Safe house compromised")
        PIN_GUESSING = "pin_guessing", _("Repeated wrong check-in PINs")

    kind = models.CharField(max_length=24, choices=Kind.choices)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="incidents"
    )
    watch = models.ForeignKey(
        Watch, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    house = models.ForeignKey(
        SafeHouse, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    reference = models.CharField(max_length=16)  # the case (or house) reference, for alerts
    started_at = models.DateTimeField(default=timezone.now)
    step = models.PositiveSmallIntegerField(
        default=0
    )  # last step notified: 1 caseworker, 2 on call, 3 coordinators
    rounds = models.PositiveIntegerField(default=0)
    next_step_at = models.DateTimeField(null=True, blank=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Everyone the escalation alerted: they may open and acknowledge the incident without the
    # case's grant (an incident carries no identifying data). Recorded with the alert itself.
    alerted = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="alerted_incidents"
    )

    class Meta:
        # The table keeps the name it had as `Incident`: sealed fields' associated data names
        # the table (vault/keyring.py `_aad`), so another name would make every stored
        # ciphertext unreadable.
        db_table = "safety_incident"
        ordering = ["-started_at"]
        indexes = [
            models.Index(
                fields=["acknowledged_at", "resolved_at", "next_step_at"], name="incident_due_idx"
            )
        ]

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None and self.resolved_at is None


class OnCallShift(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="on_call_shifts"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    time_zone = models.CharField(
        max_length=64, default="Europe/Moscow"
    )  # for display and hand-over
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["starts_at", "ends_at"])]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class Channel(UUIDModel):
    """Where a staff member's alerts go. The Apprise URL holds secrets (tokens, numbers): it is
    encrypted under the delivery key that the worker holds (settings, not the database)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channels"
    )
    label = models.CharField(max_length=40)  # "Signal", "work e-mail": what the person calls it
    encrypted_url = models.BinaryField()
    priority = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["priority", "created_at"]


class Delivery(models.Model):
    """One notification through one channel: retried with backoff; repeated failure is itself
    escalated, through another channel, so a broken channel never silences an alarm."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(
        "alerts.Notification", on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.ForeignKey(
        Channel, null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_try_at"], name="delivery_due_idx")]


class WorkerHeartbeat(models.Model):
    """The last sweep of one running `haven worker` (one row per node and process).

    Each step UPDATEs its own row (one cheap write, no lock on anyone else's row), so several
    workers on several nodes never contend; `haven watchdog` reads the newest `swept_at`. A
    node name and a process id only: nothing about anyone Haven serves."""

    worker = models.CharField(max_length=160, unique=True)  # "<node>:<pid>"
    node = models.CharField(max_length=128)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    swept_at = models.DateTimeField(default=timezone.now, db_index=True)


class WatchdogAlarm(models.Model):
    """An alarm `haven watchdog` has raised and not yet seen recover. The row is the state
    that keeps the alarm from repeating every run; creating it (unique kind) is the claim, so two
    watchdogs on two nodes send it once, and deleting it (one DELETE that counts) is the claim
    of the recovery message."""

    class Kind(models.TextChoices):
        WORKER = "worker", _("No worker is sweeping")
        DELIVERIES = "deliveries", _("Alert deliveries are failing")

    kind = models.CharField(max_length=16, choices=Kind.choices, unique=True)
    raised_at = models.DateTimeField(default=timezone.now)

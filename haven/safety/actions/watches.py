"""Watches and check-ins: the schedule, a check-in by staff or through the portal (PIN, duress
PIN, wrong PINs) and the panic button."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Role, User
from haven.audit.log import log_event
from haven.cases.public import Case
from haven.safety import pins
from haven.safety.actions.escalation import open_incident
from haven.safety.errors import SafetyError
from haven.safety.models import CheckIn, SafetyIncident, Watch

if TYPE_CHECKING:
    from haven.intake.public import PortalIdentity

MAX_GRACE_MINUTES = 7 * 24 * 60
MAX_INTERVAL_MINUTES = 31 * 24 * 60
# Wrong PINs in a row before the watch stops taking PINs (and raises a silent alarm), and for how
# long. Four digits are 10,000 tries; five wrong ones cannot be a search.
PIN_ATTEMPTS = 5
PIN_LOCK = dt.timedelta(minutes=15)


def save_watch(
    *,
    actor: User,
    case: Case,
    interval_minutes: int | None,
    fixed_times: list[str],
    time_zone: str,
    grace_minutes: int,
    pin: str,
    duress_pin: str = "",
    watch: Watch | None = None,
    escalation_step_minutes: int | None = None,
    escalation_repeat_minutes: int | None = None,
) -> Watch:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if interval_minutes is not None and interval_minutes <= 0:
        raise SafetyError(_("The interval must be longer than zero."))
    if interval_minutes is not None and interval_minutes > MAX_INTERVAL_MINUTES:
        raise SafetyError(_("An interval longer than a month is not a watch."))
    if not interval_minutes and not fixed_times:
        raise SafetyError(_("Give an interval or at least one fixed time."))
    if interval_minutes and fixed_times:
        raise SafetyError(_("Give either an interval or fixed times, not both."))
    if grace_minutes < 0:
        raise SafetyError(_("The grace period cannot be negative."))
    # Compared as integers: a huge number must be refused, not overflow a timedelta.
    if grace_minutes > MAX_GRACE_MINUTES:
        raise SafetyError(_("A grace period longer than a week would hide a disappearance."))
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SafetyError(_("Unknown time zone: %(tz)s.") % {"tz": time_zone}) from exc
    for minutes in (escalation_step_minutes, escalation_repeat_minutes):
        if minutes is not None and not 1 <= minutes <= 240:
            raise SafetyError(_("Escalation steps and repeats must be between 1 and 240 minutes."))
    if duress_pin and duress_pin == pin:
        raise SafetyError(_("The duress PIN must differ from the PIN."))
    now = timezone.now()
    with transaction.atomic():
        watch = watch or Watch(case=case, started_at=now)
        watch.interval_minutes = interval_minutes or None
        watch.fixed_times = sorted(fixed_times)
        watch.time_zone = time_zone
        watch.grace_minutes = grace_minutes
        watch.escalation_step_minutes = escalation_step_minutes or None
        watch.escalation_repeat_minutes = escalation_repeat_minutes or None
        if pin:
            watch.pin_hash = pins.make(watch_id=watch.pk, which="pin", pin=pin)
        if duress_pin:
            watch.duress_pin_hash = pins.make(watch_id=watch.pk, which="duress", pin=duress_pin)
        if not watch.pin_hash:
            raise SafetyError(_("Set a PIN for the person to check in with."))
        watch.next_deadline = watch.compute_deadline()
        watch.save()
        log_event(
            actor=actor,
            action="watch.save",
            object_type="case",
            object_id=case.reference,
            data={"interval": interval_minutes, "times": len(fixed_times), "grace": grace_minutes},
        )
    return watch


def set_paused(*, actor: User, watch: Watch, paused: bool) -> None:
    with transaction.atomic():
        watch.state = (
            Watch.State.PAUSED
            if paused
            else (Watch.State.UP if watch.last_checkin_at else Watch.State.NEW)
        )
        if not paused:
            watch.started_at = timezone.now()
            watch.next_deadline = watch.compute_deadline()
        watch.save(update_fields=["state", "started_at", "next_deadline"])
        log_event(
            actor=actor,
            action="watch.pause" if paused else "watch.resume",
            object_type="case",
            object_id=watch.case.reference,
        )


def record_checkin(
    *, watch: Watch, method: str, recorded_by: User | None = None, at: dt.datetime | None = None
) -> CheckIn:
    """A check-in: the watch is up again and its next deadline moves. Committed before the person
    sees "checked in" (invariant 5). A missed-check-in incident that is still open is resolved."""
    now = timezone.now()
    at = at or now
    if at > now + dt.timedelta(minutes=2):
        raise SafetyError(_("A check-in cannot be in the future."))
    with transaction.atomic():
        checkin = CheckIn.objects.create(watch=watch, at=at, method=method, recorded_by=recorded_by)
        # A check-in recorded late (a phone call written down afterwards) never moves the
        # switch backwards past a later one.
        if watch.last_checkin_at is None or at > watch.last_checkin_at:
            watch.last_checkin_at = at
        if watch.state != Watch.State.PAUSED:
            watch.state = Watch.State.UP
        watch.next_deadline = watch.compute_deadline()
        watch.failed_pins, watch.pins_locked_until = 0, None
        watch.save(
            update_fields=[
                "last_checkin_at",
                "state",
                "next_deadline",
                "failed_pins",
                "pins_locked_until",
            ]
        )
        SafetyIncident.objects.filter(
            watch=watch, kind=SafetyIncident.Kind.MISSED, resolved_at__isnull=True
        ).update(resolved_at=at)
        log_event(
            actor=recorded_by,
            action="watch.checkin",
            object_type="case",
            object_id=watch.case.reference,
            data={"method": method},
        )
    return checkin


def portal_checkin(*, identity: PortalIdentity, pin: str) -> bool:
    """Check in with a PIN from the portal. The duress PIN is recorded exactly like a normal
    check-in (same answer, same page) and raises a silent alarm. Returns False for a wrong PIN.
    Both hashes are always checked, so the two PINs take the same time."""
    watch = (
        Watch.objects.filter(case_id=identity.case_id)  # type: ignore[misc]
        .select_related("case")
        .order_by("-created_at")
        .first()
    )
    if watch is None:
        return False
    now = timezone.now()
    if watch.pins_locked_until is not None and watch.pins_locked_until > now:
        return False
    verdict = pins.check(watch, pin)  # both PINs, keyed hash, same time (safety/pins.py)
    if not verdict.accepted:
        if not verdict.unverifiable:
            _wrong_pin(watch, now)
        return False
    record_checkin(watch=watch, method=CheckIn.Method.PORTAL)
    pins.replace_legacy(watch=watch, pin=pin, verdict=verdict)
    if verdict.duress:
        open_incident(kind=SafetyIncident.Kind.DURESS, case=watch.case, watch=watch)
    return True


def _wrong_pin(watch: Watch, now: dt.datetime) -> None:
    """Count a wrong PIN. At PIN_ATTEMPTS in a row, stop taking PINs for PIN_LOCK and alert: the
    person may simply have forgotten, or someone holding their phone is guessing."""
    with transaction.atomic():
        Watch.objects.filter(pk=watch.pk).update(failed_pins=F("failed_pins") + 1)
        failed = Watch.objects.values_list("failed_pins", flat=True).get(pk=watch.pk)
        if failed < PIN_ATTEMPTS:
            return
        Watch.objects.filter(pk=watch.pk).update(failed_pins=0, pins_locked_until=now + PIN_LOCK)
        open_incident(kind=SafetyIncident.Kind.PIN_GUESSING, case=watch.case, watch=watch, now=now)


def panic(*, identity: PortalIdentity) -> None:
    """The person pressed panic (and confirmed it). With a case, an incident escalates it. Before
    a case exists there is nobody's case to escalate, so the press is recorded on their newest
    request (count, time, urgent) for the hotline, and the alert links to that request."""
    case = identity.case
    if case is not None:
        watch = Watch.objects.filter(case=case).first()
        open_incident(kind=SafetyIncident.Kind.PANIC, case=case, watch=watch)
        return
    from haven.alerts.actions import notify_role
    from haven.intake.public import HelpRequest

    now = timezone.now()
    with transaction.atomic():
        request = (
            HelpRequest.objects.select_for_update()
            .filter(identity=identity)
            .order_by("-created_at")
            .first()
        )
        if request is None:
            return
        HelpRequest.objects.filter(pk=request.pk).update(
            panic_count=F("panic_count") + 1,
            panic_last_at=now,
            urgency=HelpRequest.Urgency.URGENT,
        )
        log_event(action="intake.panic", object_type="request", object_id=request.reference)
        for role in (Role.OPERATOR, Role.COORDINATOR):
            notify_role(
                role=role,
                kind="panic",
                reference=request.reference,
                link=f"/staff/intake/{request.id}/",
            )

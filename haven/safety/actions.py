"""Safety writes: watches and check-ins, incidents and their escalation, safe houses."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Role, User
from haven.alerts.actions import notify
from haven.audit.log import log_event
from haven.cases.models import Case, CaseAssignment, Task
from haven.safety.models import (
    CheckIn,
    OnCallShift,
    Placement,
    SafeHouse,
    SafetyIncident,
    Watch,
)
from haven.vault.actions import create_vault
from haven.vault.keyring import Keyring
from haven.vault.models import Vault

if TYPE_CHECKING:
    from haven.intake.models import PortalIdentity

MAX_GRACE_MINUTES = 7 * 24 * 60
MAX_INTERVAL_MINUTES = 31 * 24 * 60
# Wrong PINs in a row before the watch stops taking PINs (and raises a silent alarm), and for how
# long. Four digits are 10,000 tries; five wrong ones cannot be a search.
PIN_ATTEMPTS = 5
PIN_LOCK = dt.timedelta(minutes=15)
# A watched person silent this long (no check-in while their watch is down) is reported missing:
# the case page then offers the missing-persons report. Network practice: two days.
NO_NEWS_AFTER = dt.timedelta(hours=48)
URGENT_KINDS = (
    SafetyIncident.Kind.PANIC,
    SafetyIncident.Kind.DURESS,
    SafetyIncident.Kind.COMPROMISED,
    SafetyIncident.Kind.PIN_GUESSING,
)


class SafetyError(Exception):
    """A refused change; the message is shown as it is."""


# --- watches and check-ins --------------------------------------------------------------------


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
            watch.pin_hash = make_password(pin)
        if duress_pin:
            watch.duress_pin_hash = make_password(duress_pin)
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
    normal = check_password(pin, watch.pin_hash)
    duress = bool(watch.duress_pin_hash) and check_password(
        pin, watch.duress_pin_hash or make_password(None)
    )
    if not (normal or duress):
        _wrong_pin(watch, now)
        return False
    record_checkin(watch=watch, method=CheckIn.Method.PORTAL)
    if duress and not normal:
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
    from haven.intake.models import HelpRequest

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


# --- incidents and escalation -----------------------------------------------------------------


def open_incident(
    *,
    kind: str,
    case: Case | None,
    watch: Watch | None = None,
    house: SafeHouse | None = None,
    reference: str = "",
    now: dt.datetime | None = None,
) -> SafetyIncident:
    """An incident to escalate. Its first step is sent right away, in this transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = SafetyIncident.objects.create(
            kind=kind,
            case=case,
            watch=watch,
            house=house,
            reference=reference or (case.reference if case else ""),
            started_at=now,
            next_step_at=now,
        )
        log_event(
            action="incident.open",
            object_type="case",
            object_id=incident.reference,
            data={"kind": kind},
        )
        advance(incident, now=now)
    return incident


def on_call(now: dt.datetime) -> list[User]:
    ids = OnCallShift.objects.filter(starts_at__lte=now, ends_at__gt=now).values_list(
        "user_id", flat=True
    )
    return list(User.objects.filter(pk__in=ids, is_active=True))


def recipients_for_step(incident: SafetyIncident, step: int, now: dt.datetime) -> list[User]:
    if step == 1:
        if incident.case_id is None:
            return []
        ids = CaseAssignment.objects.filter(case_id=incident.case_id).values_list(
            "user_id", flat=True
        )
        return list(
            User.objects.filter(
                pk__in=ids, is_active=True, role_assignments__role=Role.CASEWORKER
            ).distinct()
        )
    if step == 2:
        return on_call(now)
    return list(
        User.objects.filter(role_assignments__role=Role.COORDINATOR, is_active=True).distinct()
    )


def escalation_gaps(incident: SafetyIncident) -> tuple[dt.timedelta, dt.timedelta]:
    """(time between steps, time between repeats) for an incident: its case's policy, kept on the
    case's watch (a panic or a compromised house may have no watch of its own), or the settings."""
    watch = incident.watch
    if watch is None and incident.case_id is not None:
        watch = Watch.objects.filter(case_id=incident.case_id).order_by("-created_at").first()
    step = (watch and watch.escalation_step_minutes) or settings.HAVEN_ESCALATION_STEP_MINUTES
    repeat = (watch and watch.escalation_repeat_minutes) or settings.HAVEN_ESCALATION_REPEAT_MINUTES
    return dt.timedelta(minutes=step), dt.timedelta(minutes=repeat)


def advance(incident: SafetyIncident, *, now: dt.datetime) -> bool:
    """Send the incident's next step, if it is due and nobody has acknowledged it. Claimed with a
    conditional UPDATE, so two workers never send the same step twice."""
    step_gap, repeat_gap = escalation_gaps(incident)
    urgent = incident.kind in URGENT_KINDS
    if incident.step == 0 and urgent:
        steps, new_step, rounds, wait = (
            [1, 2, 3],
            2,
            incident.rounds,
            step_gap,
        )  # all at once; continue from step 2
    elif incident.step >= 3:
        steps, new_step, rounds, wait = (
            [1, 2, 3],
            3,
            incident.rounds + 1,
            repeat_gap,
        )  # again, everyone
    else:
        new_step = incident.step + 1
        steps, rounds, wait = [new_step], incident.rounds, step_gap if new_step < 3 else repeat_gap
    claimed = SafetyIncident.objects.filter(
        pk=incident.pk,
        step=incident.step,
        rounds=incident.rounds,
        acknowledged_at__isnull=True,
        resolved_at__isnull=True,
        next_step_at__lte=now,
    ).update(step=new_step, rounds=rounds, next_step_at=now + wait)
    if not claimed:
        return False
    people: dict[int, User] = {}
    for step in steps:
        people.update({u.pk: u for u in recipients_for_step(incident, step, now)})
    if not people:
        # Nobody at this step (no caseworker assigned, a gap in the roster): the coordinators
        # hear of it at once rather than an alarm going nowhere.
        people = {u.pk: u for u in recipients_for_step(incident, 3, now)}
    kind = {
        SafetyIncident.Kind.MISSED: "missed_checkin",
        SafetyIncident.Kind.PANIC: "panic",
        SafetyIncident.Kind.DURESS: "duress_checkin",
        SafetyIncident.Kind.COMPROMISED: "house_compromised",
        SafetyIncident.Kind.PIN_GUESSING: "pin_guessing",
    }[incident.kind]  # type: ignore[index]
    notify(
        recipients=people.values(),
        kind=kind,
        reference=incident.reference,
        link=f"/staff/watch/incidents/{incident.id}/",
    )
    incident.step, incident.rounds, incident.next_step_at = new_step, rounds, now + wait
    return True


def acknowledge(*, actor: User, incident: SafetyIncident) -> None:
    with transaction.atomic():
        updated = SafetyIncident.objects.filter(
            pk=incident.pk, acknowledged_at__isnull=True
        ).update(acknowledged_at=timezone.now(), acknowledged_by=actor)
        if updated:
            log_event(
                actor=actor,
                action="incident.acknowledge",
                object_type="case",
                object_id=incident.reference,
                data={"incident": str(incident.id)},
            )
    incident.refresh_from_db()


def resolve(*, actor: User, incident: SafetyIncident) -> None:
    with transaction.atomic():
        now = timezone.now()
        SafetyIncident.objects.filter(pk=incident.pk, resolved_at__isnull=True).update(
            resolved_at=now, resolved_by=actor
        )
        SafetyIncident.objects.filter(pk=incident.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=actor
        )
        log_event(
            actor=actor,
            action="incident.resolve",
            object_type="case",
            object_id=incident.reference,
            data={"incident": str(incident.id)},
        )
    incident.refresh_from_db()


def roster_gaps(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """Stretches between `start` and `end` with nobody on call (a warning, not an error)."""
    gaps, cursor = [], start
    for shift in OnCallShift.objects.filter(ends_at__gt=start, starts_at__lt=end).order_by(
        "starts_at"
    ):
        if shift.starts_at > cursor:
            gaps.append((cursor, shift.starts_at))
        cursor = max(cursor, shift.ends_at)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def add_shift(
    *, actor: User, user: User, starts_at: dt.datetime, ends_at: dt.datetime, time_zone: str
) -> OnCallShift:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SafetyError(_("Unknown time zone: %(tz)s.") % {"tz": time_zone}) from exc
    if ends_at <= starts_at:
        raise SafetyError(_("A shift must end after it starts."))
    if ends_at - starts_at > dt.timedelta(days=14):
        raise SafetyError(_("A shift longer than two weeks is not a shift."))
    with transaction.atomic():
        shift = OnCallShift.objects.create(
            user=user, starts_at=starts_at, ends_at=ends_at, time_zone=time_zone
        )
        log_event(actor=actor, action="roster.add", object_type="user", object_id=user.pk)
    return shift


def remove_shift(*, actor: User, shift: OnCallShift) -> None:
    with transaction.atomic():
        user_id = shift.user_id
        shift.delete()
        log_event(actor=actor, action="roster.remove", object_type="user", object_id=user_id)


# --- safe houses ------------------------------------------------------------------------------


def create_house(
    *,
    keyring: Keyring,
    code: str,
    capacity: int,
    address: str,
    access_instructions: str,
    host_contact: str,
) -> SafeHouse:
    actor = keyring.user
    assert actor is not None
    if capacity < 1:
        raise SafetyError(_("A safe house holds at least one person."))
    if SafeHouse.objects.filter(code__iexact=code).exists():
        raise SafetyError(_("This code name is taken; choose another."))
    with transaction.atomic():
        vault = create_vault(
            actor=actor, kind=Vault.Kind.SAFE_HOUSE, members=[actor], keyring=keyring
        )
        house = SafeHouse(code=code, vault=vault, capacity=capacity)
        keyring.open(vault).seal(
            house,
            address=address,
            access_instructions=access_instructions or None,
            host_contact=host_contact or None,
        )
        try:
            with transaction.atomic():
                house.save()
        except IntegrityError as exc:  # a race with another coordinator choosing the same code
            raise SafetyError(_("This code name is taken; choose another.")) from exc
        log_event(
            actor=actor,
            action="house.create",
            object_type="house",
            object_id=house.reference,
            data={"capacity": capacity},
        )
    return house


def current_residents(house: SafeHouse) -> list[Placement]:
    today = timezone.localdate()
    return list(
        house.placements.filter(starts_on__lte=today)
        .exclude(ends_on__lte=today)
        .select_related("case")
    )


def current_placements(case: Case) -> list[Placement]:
    today = timezone.localdate()
    return list(
        case.placements.filter(starts_on__lte=today)  # type: ignore[attr-defined]
        .exclude(ends_on__lte=today)
        .select_related("house")
    )


def place(*, actor: User, house: SafeHouse, case: Case) -> Placement:
    """Place a case in a house. A case living elsewhere moves: its current placement ends today."""
    today = timezone.localdate()
    # The pipeline's own rule (one place, `Case.placement_refusal`): no safe-house address for a
    # person nobody has vetted yet, whoever places them and from whichever page.
    refusal = case.placement_refusal()
    if refusal:
        raise SafetyError(refusal)
    with transaction.atomic():
        # The row lock (PostgreSQL) or the write lock (SQLite, IMMEDIATE) makes the capacity check
        # and the insert one step, so two placements at once cannot overfill a house.
        house = SafeHouse.objects.select_for_update().get(pk=house.pk)
        if house.status != SafeHouse.Status.ACTIVE:
            raise SafetyError(_("This safe house is not active."))
        residents = current_residents(house)
        if any(p.case_id == case.pk for p in residents):
            raise SafetyError(_("This case already lives here."))
        if len(residents) >= house.capacity:
            raise SafetyError(_("This safe house is full."))
        moved = [p for p in current_placements(case) if p.house_id != house.pk]
        for old in moved:
            _end(old, actor=actor, on=today)
        placement = Placement.objects.create(house=house, case=case, starts_on=today)
        log_event(
            actor=actor,
            action="house.place",
            object_type="house",
            object_id=house.reference,
            data={"case": case.reference, "moved_from": [p.house.reference for p in moved]},
        )
    return placement


def _end(placement: Placement, *, actor: User, on: dt.date) -> None:
    placement.ends_on = on
    placement.save(update_fields=["ends_on"])
    log_event(
        actor=actor,
        action="house.leave",
        object_type="house",
        object_id=placement.house.reference,
        data={"case": placement.case.reference},
    )


def end_placement(*, actor: User, placement: Placement) -> None:
    """The person has left the house (relocated, moved on)."""
    with transaction.atomic():
        _end(placement, actor=actor, on=timezone.localdate())


def set_house_status(*, actor: User, house: SafeHouse, status: str) -> None:
    """Suspend a house or make it active again. A compromised house stays compromised: its
    address is known to someone it must not be, and a new house is a new code and a new vault."""
    if status not in (SafeHouse.Status.ACTIVE, SafeHouse.Status.SUSPENDED):
        raise SafetyError(_("Use “mark compromised” for a compromised house."))
    with transaction.atomic():
        updated = (
            SafeHouse.objects.filter(pk=house.pk)
            .exclude(status=SafeHouse.Status.COMPROMISED)
            .update(status=status)
        )
        if not updated:
            raise SafetyError(_("A compromised house cannot be reopened."))
        log_event(
            actor=actor,
            action="house.status",
            object_type="house",
            object_id=house.reference,
            data={"status": status},
        )
    house.refresh_from_db()


def mark_compromised(*, actor: User, house: SafeHouse) -> list[Placement]:
    """Lock the house, list everyone in it for immediate relocation, alert their caseworkers and
    the coordinators (as an incident per resident, so it escalates until acknowledged)."""
    now = timezone.now()
    with transaction.atomic():
        newly = (
            SafeHouse.objects.filter(pk=house.pk)
            .exclude(status=SafeHouse.Status.COMPROMISED)
            .update(status=SafeHouse.Status.COMPROMISED, compromised_at=now)
        )
        residents = current_residents(house)
        if not newly:
            # Already marked (a second press, two coordinators at once): the alarms are running.
            house.refresh_from_db()
            return residents
        log_event(
            actor=actor,
            action="house.compromised",
            object_type="house",
            object_id=house.reference,
            data={"residents": len(residents)},
        )
        for placement in residents:
            open_incident(
                kind=SafetyIncident.Kind.COMPROMISED, case=placement.case, house=house, now=now
            )
            _add_move_task(actor=actor, case=placement.case, on=timezone.localdate(now))
        if not residents:
            open_incident(
                kind=SafetyIncident.Kind.COMPROMISED,
                case=None,
                house=house,
                reference=house.reference,
                now=now,
            )
    house.refresh_from_db()
    return residents


def _add_move_task(*, actor: User, case: Case, on: dt.date) -> Task:
    """The resident's case gets its move task, due today, so it stays on the caseworker's list
    until someone marks it done. Its kind says everything; it has no sealed title because whoever
    marks the house may hold no key to the case, and the house's code name must not leak into a
    case that a lawyer or a later caseworker reads."""
    task = Task.objects.create(
        case=case, vault=case.vault, kind=Task.Kind.RELOCATE, due_date=on, created_by=actor
    )
    log_event(
        actor=actor,
        action="case.task",
        object_type="case",
        object_id=case.reference,
        data={"kind": Task.Kind.RELOCATE, "due": on.isoformat()},
    )
    return task


def silent_since(case: Case, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the person last gave news (their last check-in, or the watch's start), if their
    watch is down and that was at least NO_NEWS_AFTER ago; otherwise None."""
    watch = Watch.objects.filter(case=case).order_by("-created_at").first()
    if watch is None or watch.state != Watch.State.DOWN:
        return None
    last = watch.last_checkin_at or watch.started_at
    return last if (now or timezone.now()) - last >= NO_NEWS_AFTER else None


def incident_summary(case: Case) -> list[dict[str, Any]]:
    """Incidents of a case with response times, for the case timeline."""
    rows = []
    for i in SafetyIncident.objects.filter(case=case).select_related(
        "acknowledged_by", "resolved_by"
    ):
        rows.append(
            {
                "incident": i,
                "to_ack": (i.acknowledged_at - i.started_at) if i.acknowledged_at else None,
                "to_resolve": (i.resolved_at - i.started_at) if i.resolved_at else None,
            }
        )
    return rows

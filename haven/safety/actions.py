"""Safety writes: watches and check-ins, incidents and their escalation, safe houses."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Role, User
from haven.alerts.actions import notify
from haven.audit.log import log_event
from haven.cases.models import Case, CaseAssignment
from haven.safety.models import CheckIn, Incident, OnCallShift, Placement, SafeHouse, Watch
from haven.vault.actions import create_vault
from haven.vault.keyring import Keyring
from haven.vault.models import Vault

if TYPE_CHECKING:
    from haven.intake.models import PortalIdentity

MAX_GRACE = dt.timedelta(days=7)


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
    if not interval_minutes and not fixed_times:
        raise SafetyError(_("Give an interval or at least one fixed time."))
    if dt.timedelta(minutes=grace_minutes) > MAX_GRACE:
        raise SafetyError(_("A grace period longer than a week would hide a disappearance."))
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SafetyError(_("Unknown time zone: %(tz)s.") % {"tz": time_zone}) from exc
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
    at = at or timezone.now()
    with transaction.atomic():
        checkin = CheckIn.objects.create(watch=watch, at=at, method=method, recorded_by=recorded_by)
        watch.last_checkin_at = at
        if watch.state != Watch.State.PAUSED:
            watch.state = Watch.State.UP
        watch.next_deadline = watch.compute_deadline()
        watch.save(update_fields=["last_checkin_at", "state", "next_deadline"])
        Incident.objects.filter(
            watch=watch, kind=Incident.Kind.MISSED, resolved_at__isnull=True
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
    normal = check_password(pin, watch.pin_hash)
    duress = bool(watch.duress_pin_hash) and check_password(
        pin, watch.duress_pin_hash or make_password(None)
    )
    if not (normal or duress):
        return False
    record_checkin(watch=watch, method=CheckIn.Method.PORTAL)
    if duress and not normal:
        open_incident(kind=Incident.Kind.DURESS, case=watch.case, watch=watch)
    return True


def panic(*, identity: PortalIdentity) -> None:
    case = identity.case
    watch = Watch.objects.filter(case=case).first() if case else None
    if case is None:
        from haven.alerts.actions import notify_role

        request = identity.requests.order_by("-created_at").first()
        notify_role(
            role=Role.OPERATOR,
            kind="panic",
            reference=getattr(request, "reference", ""),
            link="/staff/intake/",
        )
        notify_role(
            role=Role.COORDINATOR,
            kind="panic",
            reference=getattr(request, "reference", ""),
            link="/staff/intake/",
        )
        return
    open_incident(kind=Incident.Kind.PANIC, case=case, watch=watch)


# --- incidents and escalation -----------------------------------------------------------------


def open_incident(
    *,
    kind: str,
    case: Case | None,
    watch: Watch | None = None,
    reference: str = "",
    now: dt.datetime | None = None,
) -> Incident:
    """An incident to escalate. Its first step is sent right away, in this transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = Incident.objects.create(
            kind=kind,
            case=case,
            watch=watch,
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


def recipients_for_step(incident: Incident, step: int, now: dt.datetime) -> list[User]:
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


def advance(incident: Incident, *, now: dt.datetime) -> bool:
    """Send the incident's next step, if it is due and nobody has acknowledged it. Claimed with a
    conditional UPDATE, so two workers never send the same step twice."""
    watch = incident.watch
    step_gap = dt.timedelta(
        minutes=(watch and watch.escalation_step_minutes) or settings.HAVEN_ESCALATION_STEP_MINUTES
    )
    repeat_gap = dt.timedelta(
        minutes=(watch and watch.escalation_repeat_minutes)
        or settings.HAVEN_ESCALATION_REPEAT_MINUTES
    )
    urgent = incident.kind in (Incident.Kind.PANIC, Incident.Kind.DURESS, Incident.Kind.COMPROMISED)
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
    claimed = Incident.objects.filter(
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
        Incident.Kind.MISSED: "missed_checkin",
        Incident.Kind.PANIC: "panic",
        Incident.Kind.DURESS: "duress_checkin",
        Incident.Kind.COMPROMISED: "house_compromised",
    }[incident.kind]  # type: ignore[index]
    notify(
        recipients=people.values(),
        kind=kind,
        reference=incident.reference,
        link=f"/staff/watch/incidents/{incident.id}/",
    )
    incident.step, incident.rounds, incident.next_step_at = new_step, rounds, now + wait
    return True


def acknowledge(*, actor: User, incident: Incident) -> None:
    with transaction.atomic():
        updated = Incident.objects.filter(pk=incident.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now(), acknowledged_by=actor
        )
        if updated:
            log_event(
                actor=actor,
                action="incident.acknowledge",
                object_type="case",
                object_id=incident.reference,
                data={"incident": str(incident.id)},
            )
    incident.refresh_from_db()


def resolve(*, actor: User, incident: Incident) -> None:
    with transaction.atomic():
        now = timezone.now()
        Incident.objects.filter(pk=incident.pk, resolved_at__isnull=True).update(
            resolved_at=now, resolved_by=actor
        )
        Incident.objects.filter(pk=incident.pk, acknowledged_at__isnull=True).update(
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
    if ends_at <= starts_at:
        raise SafetyError(_("A shift must end after it starts."))
    with transaction.atomic():
        shift = OnCallShift.objects.create(
            user=user, starts_at=starts_at, ends_at=ends_at, time_zone=time_zone
        )
        log_event(actor=actor, action="roster.add", object_type="user", object_id=user.pk)
    return shift


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
        house.save()
        log_event(
            actor=actor,
            action="house.create",
            object_type="house",
            object_id=house.code,
            data={"capacity": capacity},
        )
    return house


def current_residents(house: SafeHouse) -> list[Placement]:
    today = timezone.localdate()
    return list(
        house.placements.filter(starts_on__lte=today)
        .exclude(ends_on__lt=today)
        .select_related("case")
    )


def place(*, actor: User, house: SafeHouse, case: Case) -> Placement:
    if house.status != SafeHouse.Status.ACTIVE:
        raise SafetyError(_("This safe house is not active."))
    if len(current_residents(house)) >= house.capacity:
        raise SafetyError(_("This safe house is full."))
    with transaction.atomic():
        placement = Placement.objects.create(house=house, case=case)
        log_event(
            actor=actor,
            action="house.place",
            object_type="house",
            object_id=house.code,
            data={"case": case.reference},
        )
    return placement


def mark_compromised(*, actor: User, house: SafeHouse) -> list[Placement]:
    """Lock the house, list everyone in it for immediate relocation, alert their caseworkers and
    the coordinators (as an incident per resident, so it escalates until acknowledged)."""
    now = timezone.now()
    with transaction.atomic():
        SafeHouse.objects.filter(pk=house.pk).update(
            status=SafeHouse.Status.COMPROMISED, compromised_at=now
        )
        residents = current_residents(house)
        log_event(
            actor=actor,
            action="house.compromised",
            object_type="house",
            object_id=house.code,
            data={"residents": len(residents)},
        )
        for placement in residents:
            open_incident(kind=Incident.Kind.COMPROMISED, case=placement.case, now=now)
        if not residents:
            open_incident(kind=Incident.Kind.COMPROMISED, case=None, reference=house.code, now=now)
    house.refresh_from_db()
    return residents


def incident_summary(case: Case) -> list[dict[str, Any]]:
    """Incidents of a case with response times, for the case timeline."""
    rows = []
    for i in Incident.objects.filter(case=case).select_related("acknowledged_by", "resolved_by"):
        rows.append(
            {
                "incident": i,
                "to_ack": (i.acknowledged_at - i.started_at) if i.acknowledged_at else None,
                "to_resolve": (i.resolved_at - i.started_at) if i.resolved_at else None,
            }
        )
    return rows

"""Safety incidents and their escalation: who is told at each step, when the next step is due,
acknowledgement and resolution."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from haven.accounts.models import Role, User
from haven.alerts.actions import notify
from haven.audit.log import log_event
from haven.cases.public import Case, CaseAssignment
from haven.safety.models import OnCallShift, SafeHouse, SafetyIncident, Watch

if TYPE_CHECKING:
    pass


URGENT_KINDS = (
    SafetyIncident.Kind.PANIC,
    SafetyIncident.Kind.DURESS,
    SafetyIncident.Kind.COMPROMISED,
    SafetyIncident.Kind.PIN_GUESSING,
)


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


def on_duty_operators(now: dt.datetime) -> list[User]:
    """Who hears that a hotline request has waited too long: the operators (and coordinators)
    on the roster now; with nobody of them on duty, every active operator, then the
    coordinators, rather than an alarm going nowhere."""
    triage = (Role.OPERATOR, Role.COORDINATOR)
    on_duty = [u for u in on_call(now) if u.has_role(*triage)]
    if on_duty:
        return on_duty
    for role in triage:
        people = list(User.objects.filter(role_assignments__role=role, is_active=True).distinct())
        if people:
            return people
    return []


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
    incident.alerted.add(*people.values())
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

"""Safe houses and placements, and what happens when a house is compromised."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import User
from haven.audit.log import log_event
from haven.cases.public import Case, Task
from haven.safety.actions.escalation import open_incident
from haven.safety.errors import SafetyError
from haven.safety.models import Placement, SafeHouse, SafetyIncident
from haven.vault.actions import create_vault
from haven.vault.keyring import Keyring
from haven.vault.models import Vault

if TYPE_CHECKING:
    pass


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
        case.placements.filter(starts_on__lte=today)
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

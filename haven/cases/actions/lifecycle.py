"""A case's life: opening it, moving it between states, notes, tasks and who is assigned."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Role
from haven.alerts.actions import notify
from haven.audit.log import log_event
from haven.cases import regions
from haven.cases.actions.past import stage_days
from haven.cases.errors import CaseError
from haven.cases.models import (
    NEEDS_VETTING,
    TRANSITIONS,
    Case,
    CaseAssignment,
    CaseNote,
    CaseTransition,
    State,
    Task,
    Vetting,
)
from haven.vault.actions import GrantError, create_vault, grant_vault, revoke_grant
from haven.vault.keyring import Keyring, VaultLocked
from haven.vault.models import Grant, Vault

if TYPE_CHECKING:
    from haven.accounts.models import User


def create_case(
    *,
    keyring: Keyring,
    risk: str,
    risk_reason: str = "",
    region_of_origin: str = "",
    region_detail: str = "",
    caseworker: User | None = None,
) -> Case:
    """Open a case: its own vault (granted to the actor and the chosen caseworker), the pending
    vetting checklist and the assignments. The one way a case comes into being: the staff form
    and the hotline's "open case" (`intake.actions.open_case`) both call it, so a case from a
    request can be vetted like any other."""
    actor = keyring.user
    assert actor is not None
    if risk not in Case.Risk.values:
        raise CaseError(_("Unknown risk level."))
    if caseworker is not None and caseworker.pk != actor.pk:
        if not caseworker.has_role(Role.CASEWORKER, Role.COORDINATOR):
            raise CaseError(_("Choose a caseworker."))
        if not caseworker.has_key_pair:
            raise CaseError(
                _(
                    "This account has no key pair yet; it must sign in once before it can be "
                    "given access."
                )
            )
    if region_of_origin and region_of_origin not in regions.CODES:
        # The column is plaintext: only a code of the closed list may reach it.
        raise ValueError("region_of_origin must be a code of haven.cases.regions")
    members = [actor] if caseworker is None or caseworker.pk == actor.pk else [actor, caseworker]
    with transaction.atomic():
        vault = create_vault(actor=actor, kind=Vault.Kind.CASE, members=members, keyring=keyring)
        case = Case(vault=vault, risk=risk, region_of_origin=region_of_origin, created_by=actor)
        keyring.open(vault).seal(
            case, risk_reason=risk_reason or None, region_detail=region_detail or None
        )
        case.save()
        Vetting.objects.create(case=case, vault=vault)
        # The chosen caseworker works the case whatever their role; the actor only if they are
        # a caseworker (an operator or coordinator opening it hands it on).
        assigned = [m for m in members if m.has_role(Role.CASEWORKER)]
        if caseworker is not None and caseworker not in assigned:
            assigned.append(caseworker)
        for member in assigned:
            CaseAssignment.objects.create(case=case, user=member)
        log_event(
            actor=actor,
            action="case.create",
            object_type="case",
            object_id=case.reference,
            data={"risk": risk},
        )
    return case


def seal_unsealed_regions(*, keyring: Keyring) -> tuple[int, int]:
    """Seal the free-text regions left in plaintext by the move to the closed list into each
    case's sealed `region_detail`, for every case whose vault this keyring opens. Returns
    (sealed, left): the cases left are in vaults this person holds no grant to."""
    pending = Case.objects.exclude(region_unsealed="").select_related("vault")
    sealed = left = 0
    for case in pending.iterator(chunk_size=200):
        if not keyring.can_open(case.vault):
            left += 1
            continue
        opened = keyring.open(case.vault)
        with transaction.atomic():
            before = opened.unseal(case, "region_detail")
            text = case.region_unsealed if not before else f"{before}\n{case.region_unsealed}"
            opened.seal(case, region_detail=text)
            case.region_unsealed = ""
            case.save(update_fields=["region_detail", "region_unsealed"])
            log_event(
                actor=keyring.user,
                action="case.region_sealed",
                object_type="case",
                object_id=case.reference,
            )
        sealed += 1
    return sealed, left


def transition(*, keyring: Keyring, case: Case, to_state: str, reason: str) -> CaseTransition:
    if to_state not in State.values:
        raise CaseError(_("Unknown state."))
    if to_state not in TRANSITIONS[case.state]:
        raise CaseError(
            _("A case cannot go from “%(from)s” to “%(to)s”.")
            % {"from": State(case.state).label, "to": State(to_state).label}
        )
    # Checked on every entry into a placement state, whatever the state left: otherwise a
    # detour through a side state (intake → missing → planning) would skip vetting.
    if to_state in NEEDS_VETTING and (refusal := case.placement_refusal()):
        raise CaseError(refusal)
    if to_state == State.DEPARTED:
        case.refresh_from_db(fields=["outcome", "outcome_country"])
        if not case.outcome or (case.outcome == Case.Outcome.ABROAD and not case.outcome_country):
            raise CaseError(
                _(
                    "Record the outcome first (relocated within the country, or abroad and to "
                    "which country): the statistics count departures by it."
                )
            )
    if not reason.strip():
        raise CaseError(_("Give a reason for the change."))
    opened = keyring.open(case.vault)
    with transaction.atomic():
        now = timezone.now()
        # The stage began at the previous transition, or at the case's creation: the same
        # rule as the statistics' own computation (haven.reports.figures.time_in_stage).
        entered = (
            CaseTransition.objects.filter(case=case)
            .order_by("-at", "-id")
            .values_list("at", flat=True)
            .first()
        ) or case.created_at
        row = CaseTransition(
            case=case,
            vault=case.vault,
            from_state=case.state,
            to_state=to_state,
            actor=keyring.user,
            at=now,
            days_in_stage=stage_days(entered, now),
        )
        opened.seal(row, reason=reason)
        row.save()
        Case.objects.filter(pk=case.pk).update(state=to_state, state_changed_at=now, updated_at=now)
        log_event(
            actor=keyring.user,
            action="case.transition",
            object_type="case",
            object_id=case.reference,
            data={"from": case.state, "to": to_state},
        )
        case.state = to_state
    return row


def add_note(*, keyring: Keyring, case: Case, text: str) -> CaseNote:
    note = CaseNote(case=case, vault=case.vault, author=keyring.user)
    keyring.open(case.vault).seal(note, text=text)
    with transaction.atomic():
        note.save()
        log_event(
            actor=keyring.user, action="case.note", object_type="case", object_id=case.reference
        )
    return note


def add_task(
    *, keyring: Keyring, case: Case, kind: str, title: str, due_date: datetime.date
) -> Task:
    task = Task(case=case, vault=case.vault, kind=kind, due_date=due_date, created_by=keyring.user)
    keyring.open(case.vault).seal(task, title=title)
    with transaction.atomic():
        task.save()
        log_event(
            actor=keyring.user,
            action="case.task",
            object_type="case",
            object_id=case.reference,
            data={"kind": kind, "due": due_date.isoformat()},
        )
    return task


def complete_task(*, actor: User, task: Task) -> None:
    with transaction.atomic():
        Task.objects.filter(pk=task.pk, done_at__isnull=True).update(done_at=timezone.now())
        log_event(
            actor=actor, action="case.task_done", object_type="case", object_id=task.case.reference
        )


def assign(*, keyring: Keyring, case: Case, user: User) -> CaseAssignment:
    """Seal the case vault's key to `user` and record the assignment."""
    if not user.has_role(Role.CASEWORKER, Role.COORDINATOR, Role.LAWYER, Role.DOCUMENTATION):
        raise CaseError(
            _("Only caseworkers, coordinators, lawyers and documentation officers can be assigned.")
        )
    if CaseAssignment.objects.filter(case=case, user=user).exists():
        raise CaseError(_("%(user)s is already assigned to this case.") % {"user": user.username})
    with transaction.atomic():
        if not Grant.objects.filter(vault=case.vault, user=user).exists():
            try:
                grant_vault(keyring=keyring, vault=case.vault, user=user)
            except GrantError as exc:
                raise CaseError(str(exc)) from exc
            except VaultLocked as exc:
                raise CaseError(
                    _("You cannot open this case, so you cannot give access to it.")
                ) from exc
        row = CaseAssignment.objects.create(case=case, user=user)
        log_event(
            actor=keyring.user,
            action="case.assign",
            object_type="case",
            object_id=case.reference,
            data={"user": user.pk},
        )
    notify(
        recipients=[user],
        kind="case_assigned",
        reference=case.reference,
        link=f"/staff/cases/{case.id}/",
    )
    return row


def unassign(*, actor: User, case: Case, user: User) -> None:
    """Remove the assignment and the grant. Refused if nobody else could open the case after:
    a vault nobody holds is lost for good (that is what shredding is for, deliberately)."""
    with transaction.atomic():
        if not CaseAssignment.objects.filter(case=case, user=user).exists():
            raise CaseError(_("%(user)s is not assigned to this case.") % {"user": user.username})
        if not Grant.objects.filter(vault=case.vault).exclude(user=user).exists():
            raise CaseError(
                _("%(user)s is the only person who can open this case; assign someone else first.")
                % {"user": user.username}
            )
        CaseAssignment.objects.filter(case=case, user=user).delete()
        revoke_grant(actor=actor, vault=case.vault, user=user)
        log_event(
            actor=actor,
            action="case.unassign",
            object_type="case",
            object_id=case.reference,
            data={"user": user.pk},
        )

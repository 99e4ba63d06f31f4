"""Past cases recorded after the fact (a network moving its history in), with the stage
durations the statistics page counts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from haven.audit.log import log_event
from haven.cases.errors import CaseError
from haven.cases.models import (
    NEEDS_VETTING,
    TRANSITIONS,
    Case,
    CaseTransition,
    State,
    Vetting,
    new_reference,
)
from haven.vault.actions import create_vaults
from haven.vault.keyring import Keyring
from haven.vault.models import Vault

if TYPE_CHECKING:
    pass


@dataclass
class PastCase:
    """A case that happened before Haven held it: its plain columns and its path through the
    pipeline, each step with the time it was taken."""

    risk: str
    region_of_origin: str
    created_at: datetime.datetime
    steps: list[tuple[str, datetime.datetime]]
    outcome: str = ""  # only for a case that has departed
    outcome_country: str = ""
    destination_country: str = ""
    pathway: str = ""
    vetting: str = Vetting.Decision.PENDING


@transaction.atomic
def stage_days(entered: datetime.datetime, left: datetime.datetime) -> float:
    """Days between entering a stage and leaving it, as the statistics count them."""
    return (left - entered).total_seconds() / 86400


def record_past_cases(*, keyring: Keyring, cases: list[PastCase], reason: str) -> list[Case]:
    """Many past cases at once (an import of earlier records, the demo's two years of
    history): each gets its own vault, its vetting and its transitions with their real dates,
    written in bulk with one audit event. Every path is checked against TRANSITIONS, so no
    history can hold a move the pipeline forbids. Nobody in them is named."""
    actor = keyring.user
    assert actor is not None
    vaults = create_vaults(keyring=keyring, kind=Vault.Kind.CASE, count=len(cases))
    taken = set(Case.objects.values_list("reference", flat=True))
    rows, vettings, transitions = [], [], []
    for past, vault in zip(cases, vaults, strict=True):
        reference = new_reference()
        while reference in taken:
            reference = new_reference()
        taken.add(reference)
        last = past.steps[-1][1] if past.steps else past.created_at
        state = past.steps[-1][0] if past.steps else State.INTAKE
        case = Case(
            vault=vault,
            reference=reference,
            state=state,
            risk=past.risk,
            region_of_origin=past.region_of_origin,
            destination_country=past.destination_country or past.outcome_country,
            pathway=past.pathway,
            outcome=past.outcome,
            outcome_country=past.outcome_country,
            created_at=past.created_at,
            updated_at=last,
            state_changed_at=last,
            created_by=actor,
        )
        opened = keyring.open(vault)
        opened.seal(case, risk_reason=None)
        rows.append(case)
        decided = past.vetting != Vetting.Decision.PENDING
        vettings.append(
            Vetting(
                case=case,
                vault=vault,
                identity_corroborated=decided,
                vouched_for=decided,
                interview_done=decided,
                decision=past.vetting,
                decided_by=actor if decided else None,
                decided_at=past.steps[0][1] if decided and past.steps else None,
            )
        )
        previous: str = State.INTAKE
        entered = past.created_at
        for to_state, at in past.steps:
            if to_state not in TRANSITIONS[previous]:
                raise CaseError(
                    _("A case cannot go from “%(from)s” to “%(to)s”.")
                    % {"from": State(previous).label, "to": State(to_state).label}
                )
            if to_state in NEEDS_VETTING and past.vetting != Vetting.Decision.APPROVED:
                raise CaseError(
                    _("Vetting must be approved by a coordinator before any placement or travel.")
                )
            if to_state == State.DEPARTED and not past.outcome:
                raise CaseError(_("Record the outcome first."))
            row = CaseTransition(
                case=case,
                vault=vault,
                from_state=previous,
                to_state=to_state,
                actor=actor,
                at=at,
                days_in_stage=stage_days(entered, at),
            )
            opened.seal(row, reason=reason)
            transitions.append(row)
            previous, entered = to_state, at
    Case.objects.bulk_create(rows)
    Vetting.objects.bulk_create(vettings)
    CaseTransition.objects.bulk_create(transitions)
    log_event(
        actor=actor,
        action="case.past_cases_recorded",
        object_type="case",
        object_id="",
        data={"cases": len(rows), "transitions": len(transitions)},
    )
    return rows

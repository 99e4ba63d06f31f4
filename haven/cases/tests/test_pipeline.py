"""Every edge of the pipeline, allowed and forbidden, and the vetting gate."""

from __future__ import annotations

import itertools

import pytest

from haven.cases import actions
from haven.cases.models import NEEDS_VETTING, TRANSITIONS, Case, CaseTransition, State, Vetting
from haven.testing.personas import keyring_for


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), list(itertools.product(State.values, State.values)))
def test_each_transition_is_allowed_exactly_when_declared(
    personas, case, source: str, target: str
) -> None:
    # With an outcome recorded: "departed" needs one (tested on its own below).
    Case.objects.filter(pk=case.pk).update(state=source, outcome="abroad", outcome_country="DE")
    case.refresh_from_db()
    Vetting.objects.filter(case=case).update(decision=Vetting.Decision.APPROVED)
    ring = keyring_for(personas.caseworker)
    if target in TRANSITIONS[source]:
        actions.transition(keyring=ring, case=case, to_state=target, reason="причина")
        case.refresh_from_db()
        assert case.state == target
        row = CaseTransition.objects.get(case=case)
        assert (row.from_state, row.to_state, row.actor) == (source, target, personas.caseworker)
        assert ring.open(case.vault).unseal(row, "reason") == "причина"
    else:
        with pytest.raises(actions.CaseError):
            actions.transition(keyring=ring, case=case, to_state=target, reason="причина")
        case.refresh_from_db()
        assert case.state == source and not CaseTransition.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("target", sorted(NEEDS_VETTING & TRANSITIONS[State.VETTING]))
def test_no_placement_before_a_coordinator_approves_vetting(personas, case, target: str) -> None:
    ring = keyring_for(personas.caseworker)
    actions.transition(keyring=ring, case=case, to_state=State.VETTING, reason="интервью")
    with pytest.raises(actions.CaseError, match="проверку|Vetting"):
        actions.transition(keyring=ring, case=case, to_state=target, reason="go")
    with pytest.raises(actions.CaseError):
        actions.decide_vetting(
            actor=personas.caseworker, case=case, decision=Vetting.Decision.APPROVED
        )
    actions.decide_vetting(
        actor=personas.coordinator, case=case, decision=Vetting.Decision.APPROVED
    )
    actions.transition(keyring=ring, case=case, to_state=target, reason="go")


@pytest.mark.django_db
def test_unknown_states_and_empty_reasons_are_refused(personas, case) -> None:
    ring = keyring_for(personas.caseworker)
    with pytest.raises(actions.CaseError):
        actions.transition(keyring=ring, case=case, to_state="teleported", reason="x")
    with pytest.raises(actions.CaseError):
        actions.transition(keyring=ring, case=case, to_state=State.VETTING, reason="  ")


@pytest.mark.django_db
def test_a_reference_that_collides_is_drawn_again(personas, case, monkeypatch) -> None:
    from haven.cases import models

    draws = iter([case.reference, "HV-FRESH234"])
    monkeypatch.setattr(models, "new_reference", lambda: next(draws))
    other = Case(vault=case.vault, reference=case.reference)
    other.save()
    assert other.reference == "HV-FRESH234"


@pytest.mark.django_db
def test_departed_needs_the_outcome_recorded_first(personas, case) -> None:  # type: ignore[no-untyped-def]
    Case.objects.filter(pk=case.pk).update(state=State.DOCUMENTS)
    case.refresh_from_db()
    Vetting.objects.filter(case=case).update(decision=Vetting.Decision.APPROVED)
    ring = keyring_for(personas.caseworker)
    with pytest.raises(actions.CaseError):
        actions.transition(keyring=ring, case=case, to_state=State.DEPARTED, reason="улетел")
    actions.set_relocation(
        actor=personas.caseworker,
        case=case,
        destination_country="DE",
        pathway="humanitarian_visa",
        outcome="abroad",
        outcome_country="",
    )
    with pytest.raises(actions.CaseError):  # abroad, but where?
        actions.transition(keyring=ring, case=case, to_state=State.DEPARTED, reason="улетел")
    Case.objects.filter(pk=case.pk).update(outcome_country="DE")
    actions.transition(keyring=ring, case=case, to_state=State.DEPARTED, reason="улетел")
    case.refresh_from_db()
    assert case.state == State.DEPARTED

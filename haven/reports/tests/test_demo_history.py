"""The demo's two years of past cases give the statistics page real, unsuppressed figures, the
same ones every time, through paths the pipeline allows."""

from __future__ import annotations

import datetime as dt

import pytest

from haven.cases.actions import PastCase, record_past_cases
from haven.cases.errors import CaseError
from haven.cases.models import Case, CaseTransition, Vetting
from haven.reports import demo, figures
from haven.testing.personas import keyring_for
from haven.testing.world import demo_context

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def test_the_history_is_the_same_every_time_and_spread_over_two_years() -> None:
    first, second = demo.past_cases(NOW), demo.past_cases(NOW)
    assert [(c.created_at, c.steps, c.outcome) for c in first] == [
        (c.created_at, c.steps, c.outcome) for c in second
    ]
    assert len(first) == demo.CASES
    ages = [(NOW - c.created_at).days for c in first]
    assert min(ages) >= 30 and max(ages) > 600
    assert all(at < NOW for c in first for _s, at in c.steps)


def test_the_statistics_page_shows_real_figures_for_the_demo_history(personas, client_for) -> None:
    ctx = demo_context(personas)
    demo.load(ctx)
    assert Case.objects.count() == demo.CASES
    period = figures.Period()
    states = figures.cases_by_state(period).table
    assert not states.total.suppressed and states.total.value == demo.CASES
    shown = [cell for _key, cell in states.rows() if not cell.suppressed and cell.value]
    assert len(shown) >= 6  # most stages have enough cases to be shown
    outcomes = dict(figures.outcomes(period).table.rows())
    assert outcomes["abroad:DE"].value >= 5 and not outcomes["abroad:DE"].suppressed
    assert not outcomes["in_country"].suppressed
    stages = figures.time_in_stage(period)
    assert sum(s["enough"] for s in stages) >= 6
    page = client_for(personas.coordinator).get("/staff/reports/").content.decode()
    assert str(demo.CASES) in page


def test_a_past_case_cannot_skip_vetting(personas) -> None:
    at = NOW - dt.timedelta(days=10)
    with pytest.raises(CaseError):
        record_past_cases(
            keyring=keyring_for(personas.coordinator),
            cases=[PastCase("low", "", NOW - dt.timedelta(days=20), [("planning", at)])],
            reason="test",
        )
    with pytest.raises(CaseError):
        record_past_cases(
            keyring=keyring_for(personas.coordinator),
            cases=[PastCase("low", "", NOW - dt.timedelta(days=20), [("resettled", at)])],
            reason="test",
        )
    assert Case.objects.count() == 0 and CaseTransition.objects.count() == 0


def test_past_cases_keep_their_dates_and_each_has_its_own_vault(personas) -> None:
    created = NOW - dt.timedelta(days=100)
    steps = [
        ("vetting", created + dt.timedelta(days=2)),
        ("planning", created + dt.timedelta(days=9)),
    ]
    made = record_past_cases(
        keyring=keyring_for(personas.coordinator),
        cases=[
            PastCase("high", "Chechnya", created, steps, vetting=Vetting.Decision.APPROVED),
            PastCase("low", "Dagestan", created, []),
        ],
        reason="test",
    )
    first = Case.objects.get(pk=made[0].pk)
    assert first.state == "planning" and first.created_at == created
    assert list(first.transitions.values_list("to_state", "at")) == steps
    assert made[0].vault_id != made[1].vault_id

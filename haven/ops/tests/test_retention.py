"""Retention rules: due vaults are crypto-shredded; a dry run only counts; rules are checked."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from haven.cases.models import Case, CaseTransition, Person
from haven.ops.retention import Rule, RuleError, parse_rules, run_retention
from haven.testing.personas import keyring_for
from haven.vault.keyring import VaultLocked
from haven.vault.models import Grant

pytestmark = pytest.mark.django_db

CLOSED_YEAR = [{"name": "closed-cases", "record": "case", "states": ["closed"], "days": 365}]


def _close(case: Case, *, days_ago: int) -> None:
    at = timezone.now() - dt.timedelta(days=days_ago)
    CaseTransition.objects.create(
        case=case, vault=case.vault, from_state=case.state, to_state="closed", at=at
    )
    Case.objects.filter(pk=case.pk).update(state="closed", state_changed_at=at)


def test_a_case_closed_longer_than_the_rule_is_shredded(personas, a_case) -> None:
    _close(a_case, days_ago=400)
    rules = parse_rules(CLOSED_YEAR)
    dry = run_retention(apply=False, rules=rules)
    assert (dry.outcomes[0].vaults, dry.outcomes[0].records) == (
        1,
        4,
    )  # case, vetting, person, transition
    assert Grant.objects.filter(vault=a_case.vault).exists()

    done = run_retention(apply=True, rules=rules)
    assert done.vaults == 1
    a_case.vault.refresh_from_db()
    assert a_case.vault.is_shredded and a_case.vault.sealed_private_key is None
    assert not Grant.objects.filter(vault=a_case.vault).exists()
    with pytest.raises(VaultLocked):
        keyring_for(personas.caseworker).open(a_case.vault)
    assert Person.objects.filter(case=a_case).exists()  # rows stay, as unreadable bytes
    assert run_retention(apply=True, rules=rules).vaults == 0  # idempotent


def test_a_recently_closed_case_is_kept(a_case) -> None:
    _close(a_case, days_ago=300)
    assert run_retention(apply=True, rules=parse_rules(CLOSED_YEAR)).vaults == 0


def test_the_closure_time_comes_from_the_latest_transition_into_the_state(a_case) -> None:
    _close(a_case, days_ago=800)
    # Reopened and closed again recently: the latest closure counts.
    CaseTransition.objects.create(
        case=a_case,
        vault=a_case.vault,
        from_state="withdrawn",
        to_state="closed",
        at=timezone.now(),
    )
    assert run_retention(apply=False, rules=parse_rules(CLOSED_YEAR)).vaults == 0


def test_a_case_in_another_state_is_not_touched(a_case) -> None:
    Case.objects.filter(pk=a_case.pk).update(
        state_changed_at=timezone.now() - dt.timedelta(days=900)
    )
    assert run_retention(apply=False, rules=parse_rules(CLOSED_YEAR)).vaults == 0


def test_the_clock_is_the_callers(a_case) -> None:
    _close(a_case, days_ago=10)
    later = timezone.now() + dt.timedelta(days=400)
    assert run_retention(later, apply=False, rules=parse_rules(CLOSED_YEAR)).vaults == 1


@pytest.mark.parametrize(
    "raw,message",
    [
        ("{not json", "not valid JSON"),
        ('{"name": "x"}', "must be a list"),
        ([{"name": "x", "record": "spaceship", "days": 3}], "unknown record type"),
        ([{"name": "x", "record": "case", "states": ["closed"], "days": 0}], "days must be"),
        ([{"name": "x", "record": "case", "states": ["gone"], "days": 5}], "unknown: gone"),
        ([{"name": "x", "record": "case", "days": 5}], "case rules need states"),
        ([{"record": "case", "states": ["closed"], "days": 5}], "unique name"),
    ],
)
def test_malformed_rules_are_explained(raw, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleError, match=message):
        parse_rules(raw)


def test_the_command_reports_counts_by_rule_and_no_names(a_case, settings) -> None:
    import json

    settings.HAVEN_RETENTION_RULES = json.dumps(CLOSED_YEAR)
    _close(a_case, days_ago=400)
    out = io.StringIO()
    call_command("retention", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "closed-cases" in text and "1" in text
    assert a_case.reference not in text and str(a_case.vault_id) not in text
    assert not Case.objects.get(pk=a_case.pk).vault.is_shredded
    call_command("retention", "--apply", stdout=io.StringIO())
    assert Case.objects.get(pk=a_case.pk).vault.is_shredded


def test_the_command_refuses_broken_rules(settings, db) -> None:  # type: ignore[no-untyped-def]
    settings.HAVEN_RETENTION_RULES = "[{"
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("retention", "--dry-run")


def test_another_app_can_add_a_record_type(a_case, monkeypatch) -> None:
    from django.apps import apps

    config = apps.get_app_config("ops")
    monkeypatch.setattr(
        config,
        "retention_sources",
        {"everything": "haven.ops.tests.test_retention.every_case_vault"},
        raising=False,
    )
    rules = parse_rules([{"name": "all", "record": "everything", "days": 1}])
    assert rules == [Rule(name="all", record="everything", days=1)]
    assert run_retention(apply=False, rules=rules).vaults == 1


def every_case_vault(rule: Rule, now: dt.datetime) -> list[object]:
    return list(Case.objects.values_list("vault_id", flat=True))

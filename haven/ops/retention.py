"""Retention rules, carried out as crypto-shredding.

A rule names a record type, the states it applies to and a number of days:

    HAVEN_RETENTION_RULES='[{"name": "closed-cases", "record": "case", "states": ["closed"], "days": 365},
                            {"name": "withdrawn", "record": "case", "states": ["withdrawn"], "days": 180}]'

A case in one of the states for longer than `days` (counted from when it entered that state: its
latest transition into it, else `state_changed_at`) has its vault shredded: every grant and the
vault's private key are destroyed, so its people, notes and documents can never be read again.
The rows stay as unreadable bytes (and keep counting in aggregate reports).

Record types are pluggable. An app adds its own through its AppConfig:

    retention_sources = {"missing_report": "haven.missing.retention.due_vaults"}

where `due_vaults(rule: Rule, now: datetime) -> QuerySet | Iterable` yields the ids of vaults due
to be shredded. The worker calls `run_retention(now)`; `haven retention --dry-run` reports first.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.module_loading import import_string

from haven.vault.actions import shred_vault
from haven.vault.models import Vault


class RuleError(ValueError):
    """The rules setting is malformed; the message says where."""


@dataclass(frozen=True)
class Rule:
    name: str
    record: str
    days: int
    states: tuple[str, ...] = ()


@dataclass
class RuleOutcome:
    rule: str
    vaults: int = 0
    records: int = 0


@dataclass
class RetentionReport:
    applied: bool
    outcomes: list[RuleOutcome] = field(default_factory=list)

    @property
    def vaults(self) -> int:
        return sum(o.vaults for o in self.outcomes)


def parse_rules(raw: Any) -> list[Rule]:
    """Rules from the setting: a list of dicts, or its JSON text (from the environment)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else []
        except json.JSONDecodeError as exc:
            raise RuleError(f"HAVEN_RETENTION_RULES is not valid JSON: {exc.msg}") from exc
    if not isinstance(raw, list):
        raise RuleError("HAVEN_RETENTION_RULES must be a list of rules")
    rules, names = [], set()
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise RuleError(f"rule {i + 1} is not an object")
        name, record, days = item.get("name"), item.get("record"), item.get("days")
        states = item.get("states", [])
        if not isinstance(name, str) or not name or name in names:
            raise RuleError(f"rule {i + 1} needs a unique name")
        if record not in sources():
            raise RuleError(
                f"rule {name}: unknown record type {record!r} (known: {', '.join(sorted(sources()))})"
            )
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise RuleError(f"rule {name}: days must be a whole number of at least 1")
        if not isinstance(states, list) or not all(isinstance(s, str) for s in states):
            raise RuleError(f"rule {name}: states must be a list of state names")
        _check_states(record, name, states)
        names.add(name)
        rules.append(Rule(name=name, record=record, days=days, states=tuple(states)))
    return rules


def _check_states(record: str, name: str, states: list[str]) -> None:
    if record == "case":
        from haven.cases.public import State

        unknown = [s for s in states if s not in State.values]
        if unknown or not states:
            raise RuleError(
                f"rule {name}: case rules need states from {', '.join(State.values)}"
                + (f" (unknown: {', '.join(unknown)})" if unknown else "")
            )


def configured_rules() -> list[Rule]:
    return parse_rules(getattr(settings, "HAVEN_RETENTION_RULES", []))


# ---- record types -------------------------------------------------------------------------------


def due_case_vaults(rule: Rule, now: dt.datetime) -> Iterable[Any]:
    """Vaults of cases that entered one of the rule's states more than `days` ago."""
    from haven.cases.public import Case, CaseTransition

    entered = (
        CaseTransition.objects.filter(case=OuterRef("pk"), to_state=OuterRef("state"))
        .order_by("-at")
        .values("at")[:1]
    )
    cutoff = now - dt.timedelta(days=rule.days)
    return (
        Case.objects.filter(state__in=rule.states, vault__shredded_at__isnull=True)
        .annotate(entered_at=Coalesce(Subquery(entered), "state_changed_at"))
        .filter(entered_at__lte=cutoff)
        .values_list("vault_id", flat=True)
    )


def sources() -> dict[str, Callable[[Rule, dt.datetime], Iterable[Any]]]:
    found: dict[str, Callable[[Rule, dt.datetime], Iterable[Any]]] = {"case": due_case_vaults}
    for config in apps.get_app_configs():
        for record, path in getattr(config, "retention_sources", {}).items():
            found[record] = import_string(path)
    return found


def _records_in(vault_ids: list[Any]) -> int:
    """How many rows live in these vaults, across every model with a `vault` foreign key."""
    if not vault_ids:
        return 0
    total = 0
    for model in apps.get_models():
        if model._meta.app_label == "vault":  # grants are keys, not records
            continue
        try:
            vault_field = model._meta.get_field("vault")
        except Exception:  # noqa: BLE001, S112  (a model with no vault column holds no sealed rows)
            continue
        if getattr(vault_field, "related_model", None) is Vault:
            total += model._default_manager.filter(vault_id__in=vault_ids).count()
    return total


# ---- running ------------------------------------------------------------------------------------


def run_retention(
    now: dt.datetime | None = None, *, apply: bool = True, rules: list[Rule] | None = None
) -> RetentionReport:
    """Shred what the rules say is due (or, with apply=False, only count it). Idempotent: a
    shredded vault is never due again. The hook for `haven worker`: call it once a day."""
    from django.utils import timezone

    now = now or timezone.now()
    rules = configured_rules() if rules is None else rules
    report = RetentionReport(applied=apply)
    seen: set[Any] = set()
    handlers = sources()
    for rule in rules:
        ids = [v for v in dict.fromkeys(handlers[rule.record](rule, now)) if v not in seen]
        seen.update(ids)
        outcome = RuleOutcome(rule=rule.name, vaults=len(ids), records=_records_in(ids))
        if apply:
            for vault in Vault.objects.filter(pk__in=ids, shredded_at__isnull=True):
                shred_vault(actor=None, vault=vault, reason=f"retention:{rule.name}")
        report.outcomes.append(outcome)
    return report

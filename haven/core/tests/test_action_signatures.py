"""Actions are called with words, not positions: whoever acts, `keyring=` or `actor=` (or the
person acting on their own account, `user=`), is keyword-only in every app's actions (issue 15).
A positional keyring is how a caller's keyring and a colleague's end up swapped unnoticed."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from django.apps import apps

WHO_ACTS = ("keyring", "actor")
# Writes that live outside an app's actions module.
ELSEWHERE = ("haven.cases.approvals", "haven.ops.wipe", "haven.evidence.bundle")


def _modules(name: str) -> list[ModuleType]:
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return []
        raise
    found = [module]
    if hasattr(module, "__path__"):
        for info in pkgutil.iter_modules(module.__path__, prefix=f"{name}."):
            found.append(importlib.import_module(info.name))
    return found


def _actions() -> list[tuple[str, Callable[..., Any]]]:
    names = [f"{c.name}.actions" for c in apps.get_app_configs() if c.name.startswith("haven.")]
    found = []
    for module in [m for name in [*names, *ELSEWHERE] for m in _modules(name)]:
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                found.append((f"{module.__name__}.{name}", function))
    return found


def test_the_actions_this_test_reads_include_every_apps_writes() -> None:
    names = {name.rsplit(".", 1)[1] for name, _ in _actions()}
    assert {
        "create_case",
        "capture_attachment",
        "save_watch",
        "grant_vault",
        "confirm_wipe",
    } <= names


@pytest.mark.parametrize("name,function", _actions(), ids=[name for name, _ in _actions()])
def test_whoever_acts_is_passed_by_keyword(name: str, function: Callable[..., Any]) -> None:
    parameters = inspect.signature(function).parameters
    positional = [
        p.name
        for p in parameters.values()
        if p.name in WHO_ACTS and p.kind is not inspect.Parameter.KEYWORD_ONLY
    ]
    assert positional == [], f"{name} takes {positional} by position"


def test_a_duress_alarm_is_raised_for_a_user_named_by_keyword() -> None:
    from haven.accounts.actions import raise_duress_alarm

    user = inspect.signature(raise_duress_alarm).parameters["user"]
    assert user.kind is inspect.Parameter.KEYWORD_ONLY

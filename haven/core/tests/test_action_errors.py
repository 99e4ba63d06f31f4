"""Every refusal an action raises is an ActionError, and still its own app's error (issue 15)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest
from django.apps import apps

from haven.lib.errors import ActionError

# The refusals that live outside an app's actions or errors module.
ELSEWHERE = [
    ("haven.ops.wipe", "WipeError"),
    ("haven.ops.backup.archive", "BackupError"),
    ("haven.audit.checkpoint", "WitnessError"),
]


def _modules(name: str) -> list[ModuleType]:
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return []
        raise
    found = [module]
    if hasattr(module, "__path__"):  # a package: actions/ split into one module per room
        for info in pkgutil.iter_modules(module.__path__, prefix=f"{name}."):
            found.append(importlib.import_module(info.name))
    return found


def _errors_defined_in_actions_and_errors_modules() -> list[type[BaseException]]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("haven."):
            continue
        for module in [
            *_modules(f"{config.name}.actions"),
            *_modules(f"{config.name}.errors"),
        ]:
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, Exception) and cls.__module__ == module.__name__:
                    found.append(cls)
    return found


def test_the_apps_define_the_action_errors_this_test_looks_for() -> None:
    names = {cls.__name__ for cls in _errors_defined_in_actions_and_errors_modules()}
    assert {
        "AccountError",
        "CaseError",
        "EvidenceError",
        "GrantError",
        "MissingError",
        "SafetyError",
    } <= names


@pytest.mark.parametrize(
    "cls",
    _errors_defined_in_actions_and_errors_modules(),
    ids=lambda cls: f"{cls.__module__}.{cls.__name__}",
)
def test_every_error_an_apps_actions_raise_is_an_action_error(cls: type) -> None:
    assert issubclass(cls, ActionError)


@pytest.mark.parametrize("module,name", ELSEWHERE, ids=[name for _, name in ELSEWHERE])
def test_the_refusals_outside_actions_modules_are_action_errors_too(module: str, name: str) -> None:
    assert issubclass(getattr(importlib.import_module(module), name), ActionError)


def test_one_except_catches_any_apps_refusal_and_each_app_still_catches_only_its_own() -> None:
    from haven.cases.errors import CaseError
    from haven.safety.errors import SafetyError

    with pytest.raises(ActionError, match="refused"):
        raise SafetyError("refused")
    with pytest.raises(SafetyError):
        try:
            raise SafetyError("refused")
        except CaseError:  # pragma: no cover - must not catch another app's refusal
            pytest.fail("a case handler caught a safety refusal")

"""The hooks by which a lower app tells or asks the apps above it, without importing them."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.utils.module_loading import import_string

from haven.core.registry import HOOKS, call_hooks


def test_every_hook_an_app_declares_is_a_named_hook_whose_function_exists() -> None:
    answered = set()
    for config in apps.get_app_configs():
        for name, paths in getattr(config, "hooks", {}).items():
            assert name in HOOKS, f"{config.label} declares the unknown hook {name!r}"
            for path in paths:
                assert callable(import_string(path)), path
            answered.add(name)
    # A named hook nobody answers is a dead end (or a typo on the answering side).
    assert answered == set(HOOKS)


def test_calling_a_hook_nobody_named_is_a_mistake_not_silence() -> None:
    with pytest.raises(LookupError):
        call_hooks("person_savd")

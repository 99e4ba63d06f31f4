"""A deliberately broken portal for bench/crash_safety.py --sabotage: submissions and check-ins
are acknowledged but rolled back, so the harness must report them lost. It shows the verdict can
fail; never deployed."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from haven.wsgi import application  # first: it sets Django up


def _rolled_back(fn: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with transaction.atomic():
            result = fn(*args, **kwargs)
            transaction.set_rollback(True)
        return result

    return wrapper


def _sabotage() -> None:
    from haven.intake import actions as intake_actions
    from haven.safety import actions as safety_actions

    intake_actions.submit_request = _rolled_back(intake_actions.submit_request)  # type: ignore[assignment]
    safety_actions.portal_checkin = _rolled_back(safety_actions.portal_checkin)  # type: ignore[assignment]


_sabotage()

__all__ = ["application"]

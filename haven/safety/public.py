"""The door of the safety app: everything another domain app may use from it.

Other rooms import safety only from here (contract "domain-public-modules" in pyproject.toml,
docs/architecture.md). A thin module of imports from models and the check-in schedule, never
from views."""

from haven.safety.models import SafetyIncident, Watch
from haven.safety.schedule import expected_at as expected_check_in_at
from haven.safety.schedule import status as check_in_status
from haven.safety.watchdog import Health as WatchHealth
from haven.safety.watchdog import health as watch_health

__all__ = [
    "SafetyIncident",
    "Watch",
    "WatchHealth",
    "check_in_status",
    "expected_check_in_at",
    "watch_health",
]

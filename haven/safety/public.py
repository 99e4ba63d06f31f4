"""The door of the safety app: everything another domain app may use from it.

Other rooms import safety only from here (contract "domain-public-modules" in pyproject.toml,
docs/architecture.md). A thin module of imports from models and the check-in schedule, never
from views."""

from haven.safety.models import SafetyIncident, Watch
from haven.safety.schedule import expected_at as expected_check_in_at
from haven.safety.schedule import status as check_in_status

__all__ = ["SafetyIncident", "Watch", "check_in_status", "expected_check_in_at"]

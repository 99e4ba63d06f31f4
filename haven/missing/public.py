"""The door of the missing-persons app: everything another domain app may use from it.

Other rooms import missing only from here (contract "domain-public-modules" in pyproject.toml,
docs/architecture.md). A thin module of imports from models, never from views."""

from haven.missing.models import MissingPersonReport, Status

__all__ = ["MissingPersonReport", "Status"]

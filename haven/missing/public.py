"""The door of the missing-persons app: everything another domain app may use from it.

Other rooms import missing only from here (contract "domain-public-modules" in pyproject.toml,
docs/architecture.md). A thin module of imports from models, never from views."""

from haven.missing.actions import registry_vault
from haven.missing.matching import person_names, report_names
from haven.missing.models import MissingPersonReport, Status

__all__ = ["MissingPersonReport", "Status", "person_names", "registry_vault", "report_names"]

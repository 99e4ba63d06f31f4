"""The door of the intake app: everything another domain app may use from it.

Other rooms import intake only from here (contract "domain-public-modules" in pyproject.toml,
docs/architecture.md). A thin module of imports from models and the portal's sign-in guard,
never from views."""

from haven.intake.actions import UploadedFile, intake_vault, submit_request, write_again
from haven.intake.models import HelpRequest, Message, PortalIdentity
from haven.intake.portal import portal_login_required

__all__ = [
    "HelpRequest",
    "Message",
    "PortalIdentity",
    "UploadedFile",
    "intake_vault",
    "portal_login_required",
    "submit_request",
    "write_again",
]

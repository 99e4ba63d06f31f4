"""The door of the intake app: everything another domain app may use from it.

Other rooms import intake only from here (contract "domain-public-modules" in pyproject.toml,
docs/architecture.md). A thin module of imports from models and the portal's sign-in guard,
never from views."""

from haven.intake.models import HelpRequest, Message, PortalIdentity
from haven.intake.portal import portal_login_required

__all__ = ["HelpRequest", "Message", "PortalIdentity", "portal_login_required"]

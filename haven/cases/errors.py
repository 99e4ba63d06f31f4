"""The one error type case actions raise: its message is translated and shown to staff as is."""

from haven.lib.errors import ActionError


class CaseError(ActionError):
    """A refused change; the message is shown to staff as it is."""

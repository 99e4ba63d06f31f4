"""The one error type safety actions raise: its message is translated and shown as is."""

from haven.lib.errors import ActionError


class SafetyError(ActionError):
    """A refused change; the message is shown as it is."""

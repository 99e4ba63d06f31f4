"""The one error type evidence actions raise: its message is translated and shown as is."""

from haven.lib.errors import ActionError


class EvidenceError(ActionError):
    """A refused change or export; the message is shown to staff as it is."""

"""The one error type evidence actions raise: its message is translated and shown as is."""


class EvidenceError(Exception):
    """A refused change or export; the message is shown to staff as it is."""

"""The one error type case actions raise: its message is translated and shown to staff as is."""


class CaseError(Exception):
    """A refused change; the message is shown to staff as it is."""

"""The one error type safety actions raise: its message is translated and shown as is."""


class SafetyError(Exception):
    """A refused change; the message is shown as it is."""

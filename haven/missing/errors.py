class MissingError(Exception):
    """A refused registry change; the message is translated and shown to the person."""

from haven.lib.errors import ActionError


class MissingError(ActionError):
    """A refused registry change; the message is translated and shown to the person."""

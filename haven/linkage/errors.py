from haven.lib.errors import ActionError


class LinkageError(ActionError):
    """A refusal with a translated message for the person (or the command line) to read."""

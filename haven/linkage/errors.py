class LinkageError(Exception):
    """A refusal with a translated message for the person (or the command line) to read."""

"""The one base of the errors an action raises when it refuses (CaseError, GrantError, ...).

Each app keeps its own subclass, so `except CaseError` still catches only case refusals; code
that handles any refusal the same way (show the message, change nothing) can catch ActionError.
The message is for the person who asked: translated where it reaches a page, shown as it is.
Here, in lib, because every layer raises one: the vault and the audit log import no domain app.
"""


class ActionError(Exception):
    """An action refused; nothing was changed and the message says why."""

"""Acting as a staff member from the command line (`haven pfif`, exports): the same two factors
as the sign-in page. The password comes from a prompt (or `HAVEN_PASSWORD` for scripts), the
one-time code from a prompt (or `HAVEN_OTP`). A duress password gives an empty keyring, exactly
as on the web: the command then finds nothing it could open, and nothing it writes is kept
(haven/accounts/duress.py)."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import CommandError
from django_otp import match_token

from haven.accounts.actions import raise_duress_alarm
from haven.accounts.backends import VaultKeyBackend
from haven.accounts.duress import pretence
from haven.accounts.throttle import DerivationsBusy, staff_derivations
from haven.audit.log import record
from haven.vault.keyring import Keyring


def keyring_from_cli(username: str) -> Keyring:
    password = os.environ.get("HAVEN_PASSWORD") or getpass.getpass("Password: ")
    code = os.environ.get("HAVEN_OTP") or getpass.getpass("One-time code: ")
    # The key unwrap and the duress check (256 MiB each) wait their turn under the same cap as
    # the sign-in page, so a script cannot add memory beyond it (accounts/throttle.py).
    try:
        with staff_derivations():
            user = VaultKeyBackend().authenticate(None, username=username, password=password)
    except DerivationsBusy as exc:
        raise CommandError("The server is too busy to check a password now; try again.") from exc
    device = match_token(user, code.strip()) if user is not None else None
    if user is None or device is None:
        record(
            actor=None,
            action="account.cli_login_failed",
            object_type="account",
            object_id="cli",
            data={},
        )
        raise CommandError("Wrong user name, password or one-time code.")
    if getattr(user, "haven_duress", False):
        raise_duress_alarm(user=user)
        return Keyring.empty(user, duress=True)
    record(
        actor=user, action="account.cli_login", object_type="account", object_id=user.pk, data={}
    )
    return Keyring(user, user.haven_private_key)


@contextmanager
def staff_keyring_from_cli(username: str) -> Iterator[Keyring]:
    """`keyring_from_cli` for the length of a command: under a duress password everything the
    command writes happens inside the same pretence as a duress web request (rolled back), so a
    command written next year cannot change anything real either."""
    keyring = keyring_from_cli(username)
    try:
        if keyring.duress:
            with pretence():
                yield keyring
        else:
            yield keyring
    finally:
        keyring.flush_audit()

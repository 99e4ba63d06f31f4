"""Staff sign-in under attack: how many password derivations run at once, and who gets the
reserved ones. The design and its limits are in docs/security.md ("Sign-in under attack").

A sign-in costs one Argon2id of 256 MiB (the key unwrap; the duress check runs after it inside
the same slot). Without a cap, a stranger posting random user names makes every web thread
derive at once: eight concurrent attempts took one worker from 156 MiB to 2.1 GiB. So every
attempt first takes a slot from pools shared by all web processes (lock files, haven.lib.admission):

- the *general* pool (`HAVEN_STAFF_KDF_CONCURRENCY`), taken without waiting; when it is full the
  attempt is answered 503 at once, for the cost of a few file operations;
- the *reserved* pool (`HAVEN_STAFF_KDF_RESERVED`), only for an attempt whose six-digit code is
  right for the account it names. A stranger flooding the sign-in cannot produce one, so the
  owner still gets in during the flood. Looking at the code before the password is a code
  oracle for someone who already has the password, so it is rationed per account
  (`HAVEN_STAFF_CODE_CHECKS_BURST`, `HAVEN_STAFF_CODE_CHECKS_PER_HOUR`): a few a day, shared
  across processes; the right code spends one too.

Derivations that only signed-in staff or the command line can start (a password change, setting a
duress password, creating or resetting an account, the `haven` commands that ask for a password)
take a general slot too, waiting their turn for it (`staff_derivations`), so peak memory is
bounded by (general + reserved) x 256 MiB over the workers' baseline, whatever arrives."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts.models import User
from haven.lib.admission import SharedBudget, Slot, acquire_in_turn

BUSY_MESSAGE = gettext_lazy(
    "The server is very busy at the moment. Nothing was changed; please wait a minute and try "
    "again."
)


def _directory() -> Path:
    configured = getattr(settings, "HAVEN_ADMISSION_DIR", "")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "admission"


def general_pool() -> SharedBudget:
    return SharedBudget(
        _directory(), "staff-kdf", slots=settings.HAVEN_STAFF_KDF_CONCURRENCY, rate=0, burst=0
    )


def reserved_pool() -> SharedBudget:
    # SharedBudget reads slots <= 0 as "no limit": derivation_slot() checks for 0 first.
    return SharedBudget(
        _directory(), "staff-kdf-reserved", slots=settings.HAVEN_STAFF_KDF_RESERVED, rate=0, burst=0
    )


def code_check_budget(user: User) -> SharedBudget:
    return SharedBudget(
        _directory(),
        f"staff-code-checks-{user.pk}",
        slots=0,
        rate=settings.HAVEN_STAFF_CODE_CHECKS_PER_HOUR / 3600,
        burst=settings.HAVEN_STAFF_CODE_CHECKS_BURST,
    )


def code_matches(user: User, token: str) -> bool:
    """Whether `token` is a current code of one of the user's devices, with no side effect: no
    throttle counted, nothing marked used. django-otp's own check (`match_token`) still decides
    the sign-in; this only tells a code holder from a stranger."""
    try:
        value = int(token)
    except ValueError:
        return False
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        if totp.verify(value, device.tolerance, device.last_t + 1):
            return True
    return False


def derivation_slot(username: str, token: str) -> Slot | None:
    """A slot to run one sign-in's key derivation in, or None: answer "busy" (503)."""
    slot = general_pool().try_acquire()
    if slot is not None:
        return slot
    if settings.HAVEN_STAFF_KDF_RESERVED <= 0:
        return None
    user = User.objects.filter(username__iexact=username.strip(), is_active=True).first()
    if user is None:
        return None
    if code_check_budget(user).try_acquire() is None:
        return None
    if not code_matches(user, token):
        return None
    return reserved_pool().try_acquire()


# --- derivations started by signed-in staff and the command line ----------------------------


class DerivationsBusy(Exception):
    """No derivation slot came free within the wait; nothing was derived or written."""


_held = threading.local()


@contextmanager
def staff_derivations(*, timeout: float | None = None) -> Iterator[None]:
    """Hold a general derivation slot for the block, waiting in turn up to `timeout` seconds
    (`HAVEN_STAFF_KDF_WAIT_SECONDS`); raises DerivationsBusy. Re-entrant within a thread: an
    action called by a view that already holds a slot does not take a second one (two such
    requests each holding one slot and waiting for another would block each other). Held
    around the action's transaction, never inside it: waiting with SQLite's write lock held
    would stop every writer."""
    depth = getattr(_held, "depth", 0)
    if depth or settings.HAVEN_STAFF_KDF_CONCURRENCY <= 0:
        _held.depth = depth + 1
        try:
            yield
        finally:
            _held.depth = depth
        return
    wait = settings.HAVEN_STAFF_KDF_WAIT_SECONDS if timeout is None else timeout
    slot = acquire_in_turn(general_pool(), timeout=wait)
    if slot is None:
        raise DerivationsBusy
    _held.depth = 1
    try:
        with slot:
            yield
    finally:
        _held.depth = 0

"""Check-in PINs: verified with a keyed hash whose key is not in the database.

A PIN has 4 to 6 digits: at most 10^6 values, which any hash, Argon2 included, gives up offline in
seconds to minutes. Argon2 therefore bought nothing against someone holding the database, and it
cost two memory-hard runs per press (164 ms of a check-in's 191 ms, about half the mixed load's
CPU). What does protect a PIN is what that person lacks: the stored value is BLAKE2b keyed by a
sub-key of the delivery key (haven/vault/worker_keys.py; the environment or a key file, never the
database), bound to the watch and to which PIN it is, so the database alone tests no PIN at all,
and a value copied to another watch or column matches nothing. Online guessing is bounded by the
watch's own lock (PIN_ATTEMPTS wrong PINs in a row, then a silent alarm).

Both stored values are checked on every press, whatever was typed, and compared in constant time:
a normal, a duress and a wrong PIN cost the same. Hashes written before this change (Django's
Argon2, "argon2$...") are still verified, and each is replaced the first time its PIN is typed in
a successful check-in: the normal PIN at the person's next check-in, the duress PIN only when it
is used (until then each press still pays one Argon2 run, for every PIN alike)."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from django.contrib.auth.hashers import check_password
from django.db import transaction

from haven.audit.log import log_event
from haven.vault import worker_keys

if TYPE_CHECKING:
    from haven.safety.models import Watch

Which = Literal["pin", "duress"]
PREFIX = "haven-pin1"
_PURPOSE = "checkin-pin"
logger = logging.getLogger(__name__)


def make(*, watch_id: object, which: Which, pin: str) -> str:
    """The value to store for `pin` as the watch's normal or duress PIN."""
    key_id = worker_keys.keyed_digest_key_id(_PURPOSE)
    return f"{PREFIX}${key_id}${_digest(watch_id, which, pin).hex()}"


def _digest(watch_id: object, which: Which, pin: str) -> bytes:
    return worker_keys.keyed_digest(_PURPOSE, f"{watch_id}|{which}|{pin}".encode())


def is_legacy(stored: str) -> bool:
    return bool(stored) and not stored.startswith(PREFIX + "$")


@dataclass
class Verdict:
    normal: bool = False
    duress: bool = False
    # A stored value made under another delivery key: nobody can be told right from wrong, so
    # the press must not count towards the PIN lock (it would raise a false "guessing" alarm).
    unverifiable: bool = False
    legacy: set[Which] = field(default_factory=set)

    @property
    def accepted(self) -> bool:
        return self.normal or self.duress


def _matches(stored: str, watch_id: object, which: Which, pin: str, verdict: Verdict) -> bool:
    # Always one digest, even for an empty column, so that the work per press does not depend on
    # what was typed.
    expected = _digest(watch_id, which, pin)
    if is_legacy(stored):
        verdict.legacy.add(which)
        return check_password(pin, stored)
    if not stored:
        hmac.compare_digest(expected, bytes(32))
        return False
    _prefix, key_id, hex_digest = (stored.split("$") + ["", ""])[:3]
    if key_id != worker_keys.keyed_digest_key_id(_PURPOSE):
        verdict.unverifiable = True
        return False
    try:
        stored_digest = bytes.fromhex(hex_digest)
    except ValueError:
        return False
    return hmac.compare_digest(expected, stored_digest)


def check(watch: Watch, pin: str) -> Verdict:
    """Which of the watch's PINs `pin` is. Both are always checked."""
    verdict = Verdict()
    normal = _matches(watch.pin_hash, watch.pk, "pin", pin, verdict)
    duress = _matches(watch.duress_pin_hash, watch.pk, "duress", pin, verdict)
    verdict.normal, verdict.duress = normal, duress and not normal
    if verdict.unverifiable and not verdict.accepted:
        logger.warning(
            "a check-in PIN was stored under another delivery key; set the watch's PINs again"
        )
    return verdict


def replace_legacy(*, watch: Watch, pin: str, verdict: Verdict) -> None:
    """After a successful check-in: the Argon2 hash of the PIN just typed becomes a keyed one."""
    which: Which = "pin" if verdict.normal else "duress"
    if not verdict.accepted or which not in verdict.legacy:
        return
    from haven.safety.models import Watch

    column = "pin_hash" if which == "pin" else "duress_pin_hash"
    stored = getattr(watch, column)
    with transaction.atomic():
        # Conditional on the old value: staff setting new PINs meanwhile wins.
        replaced = Watch.objects.filter(pk=watch.pk, **{column: stored}).update(
            **{column: make(watch_id=watch.pk, which=which, pin=pin)}
        )
        if replaced:
            # Which PIN it was stays out of the row: the audit log is read by people the duress
            # alarm is not addressed to.
            log_event(action="watch.pin_rehash", object_type="case", object_id=watch.case.reference)

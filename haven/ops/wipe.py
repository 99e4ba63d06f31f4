"""The emergency wipe: destroy every key, so that everything sealed becomes unreadable at once.

What goes: every grant (vault keys sealed to staff), every wrapped staff private key (UserKey),
every vault's sealed private key (the intake and other public-key sealed content), and every
session (each holds a session-wrapped staff key and a cache of vault keys). That is a handful of
statements whose cost grows with the number of staff, sessions and vaults, never with the number
of sealed records: the records stay, as bytes nobody can open.

Deleted rows may linger in free database pages, so the wipe also asks the database to overwrite
and compact them (SQLite secure_delete and a WAL checkpoint; PostgreSQL VACUUM FULL of those few
small tables). What the database engine or the disk keep below that (old WAL segments, SSD
remapping, earlier backups) is outside its reach: see docs/operations.md.

Two ways in: `haven wipe --emergency` on the server, or in the staff UI, where one administrator
starts and a *different* administrator confirms within HAVEN_WIPE_CONFIRM_MINUTES.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import StaffSession, User
from haven.alerts.actions import notify_role
from haven.audit.log import log_event, record
from haven.lib.errors import ActionError
from haven.ops.models import WipeRecord, WipeRequest
from haven.vault import objects
from haven.vault.models import Grant, UserKey, Vault

KEY_TABLES = (Grant, UserKey, Vault, StaffSession)
log = logging.getLogger("haven.ops")


class WipeError(ActionError):
    """A wipe step that cannot be taken; the message is shown to the administrator."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class WipeCounts:
    grants: int
    user_keys: int
    vault_keys: int
    sessions: int


def emergency_wipe(
    *, actor: User | None, via: str, request: WipeRequest | None = None
) -> WipeCounts:
    """Destroy every key. Atomic: either all of them go or none does."""
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")
    with transaction.atomic():
        # Raw deletes: no per-row signals or cascades to collect, so the cost is the key rows.
        grants = Grant.objects.all()._raw_delete(Grant.objects.db)
        user_keys = UserKey.objects.all()._raw_delete(UserKey.objects.db)
        vault_keys = Vault.objects.filter(sealed_private_key__isnull=False).update(
            sealed_private_key=None
        )
        now = timezone.now()
        Vault.objects.filter(shredded_at__isnull=True).update(shredded_at=now)
        sessions = StaffSession.objects.all()._raw_delete(StaffSession.objects.db)
        counts = WipeCounts(grants, user_keys, vault_keys, sessions)
        WipeRecord.objects.create(
            at=now,
            via=via,
            grants=grants,
            user_keys=user_keys,
            vault_keys=vault_keys,
            sessions=sessions,
        )
        if request is not None:
            WipeRequest.objects.filter(pk=request.pk).update(
                status=WipeRequest.Status.CONFIRMED, decided_by=actor, decided_at=now
            )
        log_event(
            actor=actor,
            action="ops.wipe",
            object_type="installation",
            data={
                "via": via,
                "grants": grants,
                "user_keys": user_keys,
                "vault_keys": vault_keys,
                "sessions": sessions,
                "started_by": request.started_by_id if request else None,
            },
        )
    _scrub_free_space()
    _purge_objects()
    return counts


def _purge_objects() -> None:
    """Sealed files in object storage: unreadable since the keys went; now deleted as well,
    every version on a versioned bucket. After the keys, never before: a wipe cut short here
    has already done what matters. Replicas of the bucket and the storage's own snapshots are
    outside Haven's reach (docs/operations.md "Object storage")."""
    if not objects.enabled():
        return
    try:
        gone = objects.purge()
    except Exception:  # noqa: BLE001  (the keys are gone; the objects are ciphertext)
        log.exception("emergency wipe: deleting the sealed objects failed")
        return
    log.warning("emergency wipe: %d sealed object version(s) deleted", gone)


def _scrub_free_space() -> None:
    """Overwrite the pages the deleted keys lived in, so a copy of the files taken after the wipe
    does not still hold them. Best effort: the keys are already gone from the live tables, and
    inside an outer transaction (tests) there is nothing to checkpoint yet."""
    if connection.in_atomic_block:
        return
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                cursor.execute("PRAGMA secure_delete = OFF")
            elif connection.vendor == "postgresql":
                for model in KEY_TABLES:
                    cursor.execute(f'VACUUM FULL "{model._meta.db_table}"')  # noqa: S608  (model table names)
    except DatabaseError as exc:
        log.warning("wipe: free-space scrub did not complete: %s", type(exc).__name__)


# ---- two administrators -------------------------------------------------------------------------


def confirm_window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.HAVEN_WIPE_CONFIRM_MINUTES)


def pending_request(now: dt.datetime | None = None) -> WipeRequest | None:
    now = now or timezone.now()
    return (
        WipeRequest.objects.filter(status=WipeRequest.Status.PENDING, expires_at__gt=now)
        .select_related("started_by")
        .order_by("-started_at")
        .first()
    )


def start_wipe(*, actor: User) -> WipeRequest:
    with transaction.atomic():
        existing = pending_request()
        if existing is not None:
            raise WipeError(
                _("An emergency wipe is already waiting for confirmation."), code="pending"
            )
        now = timezone.now()
        request = WipeRequest.objects.create(
            started_by=actor, started_at=now, expires_at=now + confirm_window()
        )
        log_event(
            actor=actor,
            action="ops.wipe_requested",
            object_type="wipe_request",
            object_id=request.pk,
            data={"minutes": settings.HAVEN_WIPE_CONFIRM_MINUTES},
        )
        notify_role(
            role="admin",
            kind="wipe_requested",
            reference=f"wipe-{request.pk}",
            link="/staff/ops/wipe/",
            exclude=actor,
        )
    return request


def confirm_wipe(*, actor: User, request_id: int) -> WipeCounts:
    try:
        with transaction.atomic():
            request = WipeRequest.objects.select_for_update().filter(pk=request_id).first()
            _check_confirmable(actor=actor, request=request)
            # Claim it inside the same transaction, so that two confirmations cannot both run.
            WipeRequest.objects.filter(pk=request_id).update(status=WipeRequest.Status.CONFIRMED)
    except WipeError as exc:
        if exc.code == "same_admin":
            record(
                actor=actor,
                action="ops.wipe_refused",
                object_type="wipe_request",
                object_id=request_id,
                data={"why": "same_admin"},
            )
        raise
    assert request is not None
    return emergency_wipe(actor=actor, via="ui", request=request)


def _check_confirmable(*, actor: User, request: WipeRequest | None) -> None:
    if request is None or request.status != WipeRequest.Status.PENDING:
        raise WipeError(_("This wipe request is no longer waiting for confirmation."), code="gone")
    if request.expires_at <= timezone.now():
        raise WipeError(
            _("This wipe request has expired. Start a new one if it is still needed."),
            code="expired",
        )
    if request.started_by_id == actor.pk:
        raise WipeError(
            _(
                "A second administrator must confirm. You started this wipe, so you cannot confirm it."
            ),
            code="same_admin",
        )


def cancel_wipe(*, actor: User, request_id: int) -> None:
    with transaction.atomic():
        updated = WipeRequest.objects.filter(
            pk=request_id, status=WipeRequest.Status.PENDING
        ).update(status=WipeRequest.Status.CANCELLED, decided_by=actor, decided_at=timezone.now())
        if not updated:
            raise WipeError(
                _("This wipe request is no longer waiting for confirmation."), code="gone"
            )
        log_event(
            actor=actor,
            action="ops.wipe_cancelled",
            object_type="wipe_request",
            object_id=request_id,
        )

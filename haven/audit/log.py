"""Writing and verifying the audit chain."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.db import connection, models, transaction
from django.utils import timezone

from haven.audit.canonical import canonical_json
from haven.audit.models import AuditEvent, AuditHead

if TYPE_CHECKING:
    from haven.audit.checkpoint import Checkpoint

GENESIS = "0" * 64


def row_hash(
    *,
    id: int,
    created_at: str,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    data: Any,
    prev_hash: str,
) -> str:
    payload = canonical_json(
        [id, created_at, actor_id, action, object_type, object_id, data, prev_hash]
    )
    return hashlib.sha256(payload).hexdigest()


def _hash_of(event: AuditEvent) -> str:
    return row_hash(
        id=event.id,
        created_at=event.created_at.isoformat(),
        actor_id=event.actor_id,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        data=event.data,
        prev_hash=event.prev_hash,
    )


def _actor_id(actor: Any) -> int | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return int(actor.pk)


def log_events(events: list[dict[str, Any]]) -> list[AuditEvent]:
    """Append events to the chain. Must run inside the caller's transaction, so that the event
    commits or rolls back with the write it describes. Each dict takes the arguments of
    `log_event`. Never pass identifying data in `data`: ids, codes and counts only."""
    if not events:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("audit events are written inside the transaction of the action")
    head, _created = AuditHead.objects.select_for_update().get_or_create(pk=1)
    tick = timezone.now()
    now = tick.replace(microsecond=tick.microsecond // 1000 * 1000)
    prev, next_id = head.last_hash, head.last_id + 1
    created_at = now.isoformat()
    rows = []
    for event in events:
        row = AuditEvent(
            id=next_id,
            created_at=now,
            actor_id=_actor_id(event.get("actor")),
            action=event["action"],
            object_type=event.get("object_type", ""),
            object_id=str(event.get("object_id", "")),
            # Round-trip the JSON so the hash is computed over exactly what the database returns.
            data=_json_roundtrip(event.get("data") or {}),
            prev_hash=prev,
        )
        row.hash = row_hash(
            id=row.id,
            created_at=created_at,
            actor_id=row.actor_id,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            data=row.data,
            prev_hash=prev,
        )
        prev, next_id = row.hash, next_id + 1
        rows.append(row)
    _insert(rows)
    AuditHead.objects.filter(pk=1).update(last_id=rows[-1].id, last_hash=rows[-1].hash)
    return rows


_COLUMNS = (
    *("id", "created_at", "actor_id", "action", "object_type", "object_id"),
    *("data", "prev_hash", "hash"),
)


def _insert(rows: list[AuditEvent]) -> None:
    """One prepared INSERT run for every row (`executemany`). `bulk_create` compiled every
    field of every row through the ORM: half of the audit write of a case list page (50
    `vault.open` rows), and the page holds the database's write lock meanwhile (issue 16)."""
    meta = AuditEvent._meta
    fields = [cast("models.Field[Any, Any]", meta.get_field(name)) for name in _COLUMNS]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 — names from the model
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    created_at = fields[1].get_db_prep_save(rows[0].created_at, connection)
    data_field = fields[6]
    params = [
        (
            row.id,
            created_at,
            row.actor_id,
            row.action,
            row.object_type,
            row.object_id,
            data_field.get_db_prep_save(row.data, connection),
            row.prev_hash,
            row.hash,
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias


def _json_roundtrip(data: Any) -> Any:
    import json

    return json.loads(canonical_json(data))


def log_event(
    *,
    actor: Any = None,
    action: str,
    object_type: str = "",
    object_id: Any = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return log_events(
        [
            {
                "actor": actor,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "data": data,
            }
        ]
    )[0]


def record(**kwargs: Any) -> AuditEvent:
    """`log_event` in a transaction of its own, for events with no other write (a failed login)."""
    with transaction.atomic():
        return log_event(**kwargs)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows: int
    first_bad_id: int | None = None
    problem: str = ""
    witnessed_up_to: int = 0  # the newest row a witness vouched for (0: none)


def _rows() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("id").iterator(chunk_size=2000)


def verify_chain(witnesses: Iterable[Checkpoint] = ()) -> VerifyResult:
    """Walk the chain from the start. Names the first row that was changed, removed or moved.

    Without witnesses this proves only that the rows agree with each other and with the head
    row: a chain recomputed with `row_hash` after a change, with the head moved too, verifies.
    With witnesses (signed checkpoints held off the server) every witnessed row must still carry
    the hash the witness holds; a recomputed chain differs there."""
    expected = _witness_map(witnesses)
    prev, expected_id, count = GENESIS, 1, 0
    last_agreeing = 0
    for event in _rows():
        count += 1
        if event.id != expected_id:
            return VerifyResult(False, count, expected_id, "row missing or ids rewritten")
        if event.prev_hash != prev:
            return VerifyResult(
                False, count, event.id, "does not follow the row before it (removed or reordered)"
            )
        if _hash_of(event) != event.hash:
            return VerifyResult(False, count, event.id, "contents changed")
        witnessed = expected.get(event.id)
        if witnessed == _CONFLICT:
            return VerifyResult(
                False,
                count,
                event.id,
                "the witnesses hold two different checkpoints of this row: the chain was "
                "rewritten between them (or a witness file was forged)",
            )
        if witnessed is not None:
            if event.hash != witnessed:
                return VerifyResult(
                    False,
                    count,
                    event.id,
                    f"differs from the signed checkpoint a witness holds: a row from "
                    f"{last_agreeing + 1} to {event.id} was changed and the chain recomputed",
                )
            last_agreeing = event.id
        prev, expected_id = event.hash, expected_id + 1
    missing = sorted(seq for seq in expected if seq >= expected_id)
    if missing:
        return VerifyResult(
            False,
            count,
            missing[0],
            f"a witness holds a checkpoint of row {missing[0]}, but the chain ends at row "
            f"{expected_id - 1}: rows were removed from the end",
        )
    head = AuditHead.objects.filter(pk=1).first()
    last_id, last_hash = (head.last_id, head.last_hash) if head else (0, GENESIS)
    if last_id != expected_id - 1 or last_hash != prev:
        return VerifyResult(
            False,
            count,
            expected_id if last_id >= expected_id else last_id + 1,
            "rows removed from the end",
        )
    return VerifyResult(True, count, witnessed_up_to=last_agreeing)


_CONFLICT = "conflicting witnesses"


def _witness_map(witnesses: Iterable[Checkpoint]) -> dict[int, str]:
    """Row -> hash. Two witnesses that disagree about one row are a conflict: the row cannot
    match both, and two signed hashes for one row are themselves proof of a rewrite."""
    found: dict[int, str] = {}
    for checkpoint in witnesses:
        if found.get(checkpoint.seq, checkpoint.hash) != checkpoint.hash:
            found[checkpoint.seq] = _CONFLICT
        else:
            found[checkpoint.seq] = checkpoint.hash
    return found

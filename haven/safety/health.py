"""What /staff/healthz tells a monitoring system: is the database answering, how far behind is
the standby, how long since a worker swept, are alert deliveries failing. Counts, ages and
booleans only: no reference, no name, no address (invariant 4 applies to monitoring too)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import DatabaseError, connection
from django.utils import timezone

from haven.safety.watchdog import health as watch_health


def replication() -> tuple[str, float | None]:
    """(this database's role, its replication lag in seconds). PostgreSQL only. On a standby:
    the age of the last replayed transaction. On a primary: the largest replay lag among its
    standbys (pg_stat_replication; None when it has none, or when the role may not read it,
    which needs pg_monitor). SQLite: ("embedded", None)."""
    if connection.vendor != "postgresql":
        return "embedded", None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        (standby,) = cursor.fetchone()
        if standby:
            cursor.execute(
                "SELECT EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp()))::float8"
            )
        else:
            cursor.execute(
                "SELECT EXTRACT(EPOCH FROM max(replay_lag))::float8 FROM pg_stat_replication"
            )
        (lag,) = cursor.fetchone()
    return ("standby" if standby else "primary"), (None if lag is None else max(0.0, float(lag)))


def report(now: dt.datetime | None = None) -> tuple[bool, dict[str, Any]]:
    """(healthy, the JSON body)."""
    now = now or timezone.now()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        role, lag = replication()
        h = watch_health(now)
    except DatabaseError:
        return False, {"status": "fail", "database": {"ok": False}}
    body = {
        "status": "fail" if h.worker_down else ("warn" if h.deliveries_failing else "ok"),
        "database": {"ok": True, "vendor": connection.vendor, "role": role},
        "replication": {"lag_seconds": lag},
        "worker": {
            "lag_seconds": h.worker_lag_seconds,
            "sweeping": h.workers_seen,
            "down": h.worker_down,
        },
        "deliveries": {
            "failed_recently": h.deliveries_failed_recently,
            "retrying": h.deliveries_retrying,
            "pending": h.deliveries_pending,
            "failing": h.deliveries_failing,
        },
    }
    return not h.worker_down, body

"""Worker heartbeats: every `haven worker` step records that it swept, so that something outside
the worker (`haven watchdog`, `/staff/healthz`) can tell when none is running.

A dead-man's switch that is itself dead is the worst failure Haven can have: the heartbeat is
written only after a step has completed, so a worker that loops but fails every step looks as
dead as one that has stopped."""

from __future__ import annotations

import datetime as dt
import os
import socket

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from haven.safety.models import WorkerHeartbeat


def node_name() -> str:
    return (settings.HAVEN_NODE_NAME or socket.gethostname())[:128]


def worker_key(pid: int | None = None) -> str:
    return f"{node_name()}:{os.getpid() if pid is None else pid}"


def record(now: dt.datetime | None = None, *, pid: int | None = None) -> None:
    """One UPDATE of this process's own row (an INSERT the first time)."""
    now = now or timezone.now()
    key = worker_key(pid)
    if WorkerHeartbeat.objects.filter(worker=key).update(swept_at=now):
        return
    WorkerHeartbeat.objects.update_or_create(
        worker=key,
        defaults={"swept_at": now},
        create_defaults={
            "node": node_name(),
            "pid": os.getpid() if pid is None else pid,
            "started_at": now,
            "swept_at": now,
        },
    )


def last_sweep() -> dt.datetime | None:
    """When any worker last completed a step (None: no worker ever has)."""
    return WorkerHeartbeat.objects.aggregate(last=Max("swept_at"))["last"]


def lag_seconds(now: dt.datetime | None = None) -> float | None:
    last = last_sweep()
    if last is None:
        return None
    return max(0.0, ((now or timezone.now()) - last).total_seconds())


def prune(now: dt.datetime, *, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Rows of workers gone for a day (restarts leave one per old process id)."""
    deleted, _ = WorkerHeartbeat.objects.filter(swept_at__lt=now - older_than).delete()
    return deleted

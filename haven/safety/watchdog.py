"""The watchdog for the watch: `haven watchdog`, a short-lived process a systemd timer starts
every 30 seconds (deploy/haven-watchdog.timer).

It asks two questions of the database: has any worker completed a sweep in the last two minutes
(haven.safety.heartbeat), and are alert deliveries failing? Either answer raises an alarm
through the watchdog's *own* Apprise addresses (HAVEN_WATCHDOG_URLS), sent from this process:
never through the worker's delivery queue, because the worker may be what is dead. An alarm is
sent once (a WatchdogAlarm row remembers it), and once more when it clears. The messages say
what is wrong, for how long, and on which node; nothing about anyone Haven serves (invariant 4).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from haven.safety import heartbeat
from haven.safety.channels import send_many
from haven.safety.models import Delivery, WatchdogAlarm, WorkerHeartbeat

log = logging.getLogger("haven.watchdog")


@dataclass
class Health:
    """What the watchdog and /staff/healthz see: counts and ages, nothing identifying."""

    worker_lag_seconds: float | None
    workers_seen: int
    deliveries_failed_recently: int
    deliveries_retrying: int
    deliveries_pending: int

    @property
    def worker_down(self) -> bool:
        lag = self.worker_lag_seconds
        return lag is None or lag > settings.HAVEN_WATCHDOG_WORKER_STALE_SECONDS

    @property
    def deliveries_failing(self) -> bool:
        return bool(self.deliveries_failed_recently or self.deliveries_retrying)


def health(now: dt.datetime | None = None) -> Health:
    now = now or timezone.now()
    window = now - dt.timedelta(seconds=settings.HAVEN_WATCHDOG_FAILURE_WINDOW_SECONDS)
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING)
    return Health(
        worker_lag_seconds=heartbeat.lag_seconds(now),
        workers_seen=WorkerHeartbeat.objects.filter(
            swept_at__gte=now - dt.timedelta(seconds=settings.HAVEN_WATCHDOG_WORKER_STALE_SECONDS)
        ).count(),
        # A delivery that failed for good keeps the time of its last retry in next_try_at.
        deliveries_failed_recently=Delivery.objects.filter(
            status=Delivery.Status.FAILED, next_try_at__gte=window
        ).count(),
        deliveries_retrying=pending.filter(
            attempts__gte=settings.HAVEN_WATCHDOG_RETRYING_ATTEMPTS
        ).count(),
        deliveries_pending=pending.count(),
    )


@dataclass
class WatchdogResult:
    health: Health
    raised: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    sent: bool = True


def urls() -> list[str]:
    return [u for u in re.split(r"[\s,]+", settings.HAVEN_WATCHDOG_URLS or "") if u]


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s ago"


def _messages(kind: str, h: Health, *, raised: bool, now: dt.datetime) -> tuple[str, str]:
    link = settings.HAVEN_BASE_URL.rstrip("/") + "/staff/"
    if kind == WatchdogAlarm.Kind.WORKER:
        if raised:
            last = heartbeat.last_sweep()
            title = "Haven watchdog: no worker is sweeping"
            body = (
                "No haven worker has completed a sweep for more than "
                f"{settings.HAVEN_WATCHDOG_WORKER_STALE_SECONDS} s (last sweep: "
                f"{_minutes(h.worker_lag_seconds)}"
                + (f", {last:%Y-%m-%d %H:%M:%S} UTC" if last else "")
                + "). Missed check-ins are not being escalated and alerts are not being "
                f"delivered. Restart the worker on a node (systemctl restart haven-worker).\n{link}"
            )
        else:
            title = "Haven watchdog: the worker is sweeping again"
            body = (
                f"{h.workers_seen} worker(s) swept in the last "
                f"{settings.HAVEN_WATCHDOG_WORKER_STALE_SECONDS} s.\n{link}"
            )
    elif raised:
        title = "Haven watchdog: alert deliveries are failing"
        body = (
            f"{h.deliveries_failed_recently} delivery(ies) failed for good in the last "
            f"{settings.HAVEN_WATCHDOG_FAILURE_WINDOW_SECONDS // 60} min; "
            f"{h.deliveries_retrying} still retrying. Check the alert channels "
            f"(Staff → Alert channels).\n{link}"
        )
    else:
        title = "Haven watchdog: alert deliveries are going through again"
        body = f"No delivery has failed for good in the last window.\n{link}"
    return title, body


def _claim_raise(kind: str, now: dt.datetime) -> bool:
    try:
        with transaction.atomic():
            WatchdogAlarm.objects.create(kind=kind, raised_at=now)
    except IntegrityError:  # already raised, by an earlier run or by the other node's watchdog
        return False
    return True


def _claim_clear(kind: str) -> bool:
    deleted, _ = WatchdogAlarm.objects.filter(kind=kind).delete()
    return bool(deleted)


def run(now: dt.datetime | None = None) -> WatchdogResult:
    """One look. Returns what changed; sends each change once through HAVEN_WATCHDOG_URLS."""
    now = now or timezone.now()
    h = health(now)
    result = WatchdogResult(health=h)
    for kind, bad in (
        (WatchdogAlarm.Kind.WORKER, h.worker_down),
        (WatchdogAlarm.Kind.DELIVERIES, h.deliveries_failing),
    ):
        if bad and _claim_raise(kind, now):
            result.raised.append(str(kind))
        elif not bad and _claim_clear(kind):
            result.cleared.append(str(kind))
    jobs = [
        (url, *_messages(kind, h, raised=kind in result.raised, now=now))
        for kind in result.raised + result.cleared
        for url in urls()
    ]
    if jobs:
        outcomes = send_many(jobs)
        result.sent = all(outcomes)
        if not result.sent:
            # The alarm row stays: nothing would send it again. Undo the claim instead, so the
            # next run (30 s later) tries again; an address is a secret and is not logged.
            log.warning("watchdog: %d of %d messages failed", outcomes.count(False), len(jobs))
            for raised in result.raised:
                WatchdogAlarm.objects.filter(kind=raised).delete()
            for cleared in result.cleared:
                WatchdogAlarm.objects.get_or_create(kind=cleared, defaults={"raised_at": now})
    heartbeat.prune(now)
    return result

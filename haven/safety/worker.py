"""The safety worker: due watches become incidents, due incidents escalate, deliveries go out.

Every query is over an index of what is *due* (deadline <= now), never a scan of everyone, and
every claim is a conditional UPDATE, so several workers can run side by side without sending an
alert twice. `run_once(now)` is one synchronous step (tests call it with time frozen)."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone

from haven.alerts.actions import notify_role
from haven.intake.public import due_wait_alerts, raise_wait_alert
from haven.safety import actions, heartbeat
from haven.safety.actions.escalation import on_duty_operators
from haven.safety.channels import message_for, open_url, send_many
from haven.safety.models import Channel, Delivery, SafetyIncident, Watch

log = logging.getLogger("haven.worker")
BATCH = 500
T = TypeVar("T")
# Items written per transaction. One commit (one fsync on SQLite) per item capped a worker at a
# few dozen alerts a second; a chunk keeps the write lock short and the commit count low.
CHUNK = 50


@dataclass
class StepResult:
    watches_down: int = 0
    steps_sent: int = 0
    delivered: int = 0
    failed: int = 0
    waits_alerted: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        return bool(
            self.watches_down
            or self.steps_sent
            or self.delivered
            or self.failed
            or self.waits_alerted
        )


def _chunked(items: list[T], handle: Callable[[T], int]) -> int:
    """Apply `handle` to items, CHUNK to a transaction. If a chunk fails, its items are retried
    one per transaction, so one bad row costs its own alarm at worst, never its neighbours'."""
    done = 0
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        try:
            with transaction.atomic():
                counted = sum(handle(item) for item in chunk)
        except Exception:  # noqa: BLE001
            log.exception("a worker chunk failed; retrying its items one by one")
            counted = 0
            for item in chunk:
                try:
                    with transaction.atomic():
                        counted += handle(item)
                except Exception:  # noqa: BLE001
                    log.exception("a worker item failed")
        done += counted
    return done


def sweep_watches(now: dt.datetime, result: StepResult) -> None:
    due = list(
        Watch.objects.filter(next_deadline__lte=now, state__in=[Watch.State.NEW, Watch.State.UP])
        .order_by("next_deadline")
        .values_list("id", "next_deadline")[:BATCH]
    )

    def handle(item: tuple[Any, dt.datetime]) -> int:
        watch_id, deadline = item
        # The claim: only the worker whose UPDATE changes the row opens the incident. A check-in
        # that moved the deadline meanwhile makes the claim miss, as it should.
        claimed = Watch.objects.filter(
            pk=watch_id, next_deadline=deadline, state__in=[Watch.State.NEW, Watch.State.UP]
        ).update(state=Watch.State.DOWN)
        if not claimed:
            return 0
        watch = Watch.objects.select_related("case").get(pk=watch_id)
        actions.open_incident(
            kind=SafetyIncident.Kind.MISSED, case=watch.case, watch=watch, now=now
        )
        return 1

    result.watches_down += _chunked(due, handle)


def sweep_incidents(now: dt.datetime, result: StepResult) -> None:
    due = list(
        SafetyIncident.objects.filter(
            acknowledged_at__isnull=True, resolved_at__isnull=True, next_step_at__lte=now
        ).order_by("next_step_at")[:BATCH]
    )
    result.steps_sent += _chunked(due, lambda incident: int(actions.advance(incident, now=now)))


def sweep_waiting_requests(now: dt.datetime, result: StepResult) -> None:
    """Hotline requests unanswered past their urgency's waiting time (haven/intake/surge.py):
    the on-duty operators hear of each once per wait. The claim is intake's conditional UPDATE."""
    due = due_wait_alerts(now)
    if not due:
        return
    recipients = on_duty_operators(now)

    def handle(item: tuple[Any, dt.datetime, str]) -> int:
        request_id, waiting_since, urgency = item
        return raise_wait_alert(
            request_id=request_id,
            waiting_since=waiting_since,
            urgency=urgency,
            now=now,
            recipients=recipients,
        )

    result.waits_alerted += _chunked(due, handle)


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(15 * 2 ** (attempts - 1), 300))


def deliver(now: dt.datetime, result: StepResult) -> None:
    due = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_try_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_try_at")
        .values_list("id", flat=True)[:BATCH]
    )
    with transaction.atomic():
        claimed = [
            delivery_id
            for delivery_id in due
            # A claim lasts a minute: a worker killed mid-send leaves the delivery to another.
            if Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .update(claimed_until=now + dt.timedelta(seconds=60))
        ]
    if not claimed:
        return
    deliveries = list(
        Delivery.objects.select_related("notification", "channel").filter(pk__in=claimed)
    )
    outcomes: list[tuple[Delivery, bool]] = []
    jobs: list[tuple[str, str, str]] = []
    sendable: list[Delivery] = []
    for delivery in deliveries:
        if delivery.channel is None:  # the channel was removed: counts as a failure
            outcomes.append((delivery, False))
            continue
        try:
            url = open_url(delivery.channel)
        except Exception:  # noqa: BLE001  (a key change leaves old addresses unreadable)
            log.warning("delivery %s: channel %s does not open", delivery.id, delivery.channel_id)
            outcomes.append((delivery, False))
            continue
        jobs.append((url, *message_for(delivery.notification)))
        sendable.append(delivery)
    outcomes += zip(sendable, send_many(jobs), strict=True)
    for delivery, ok in outcomes:
        if not ok:
            # Ids and counts only: the address is a secret.
            log.warning(
                "delivery %s through channel %s failed (attempt %d)",
                delivery.id,
                delivery.channel_id,
                delivery.attempts + 1,
            )
    _chunked(outcomes, lambda outcome: _record(outcome[0], outcome[1], now, result))


def _record(delivery: Delivery, ok: bool, now: dt.datetime, result: StepResult) -> int:
    delivery.attempts += 1
    delivery.claimed_until = None
    if ok:
        delivery.status, delivery.sent_at = Delivery.Status.SENT, timezone.now()
        result.delivered += 1
    elif delivery.attempts >= settings.HAVEN_DELIVERY_ATTEMPTS:
        delivery.status = Delivery.Status.FAILED
        result.failed += 1
        _escalate_failure(delivery)
    else:
        delivery.next_try_at = now + _backoff(delivery.attempts)
    delivery.save(update_fields=["attempts", "claimed_until", "status", "sent_at", "next_try_at"])
    return 1


def _escalate_failure(delivery: Delivery) -> None:
    """The channel failed for good: try the recipient's next channel, and tell the coordinators
    (whose own channels carry it) that an alarm could not get through."""
    notification = delivery.notification
    tried = Delivery.objects.filter(notification=notification).values_list("channel_id", flat=True)
    following = (
        Channel.objects.filter(user_id=notification.recipient_id)
        .exclude(pk__in=list(tried))
        .order_by("priority", "created_at")
        .first()
    )
    if following is not None:
        Delivery.objects.create(notification=notification, channel=following)
    if notification.kind != "channel_failed":
        notify_role(
            role="coordinator",
            kind="channel_failed",
            reference=notification.reference,
            link=notification.link,
        )


def run_once(now: dt.datetime | None = None) -> StepResult:
    now = now or timezone.now()
    result = StepResult()
    sweep_watches(now, result)
    sweep_incidents(now, result)
    sweep_waiting_requests(now, result)
    deliver(now, result)
    return result


def checkpoint_audit(now: dt.datetime | None = None) -> None:
    """The periodic signed checkpoint of the audit chain (haven.audit.checkpoint). Apart from
    run_once, so that the safety steps tests run one by one send no checkpoint alerts, and so
    that a failure here never holds back an alarm."""
    from haven.audit.checkpoint import issue_if_due

    try:
        issued = issue_if_due(now)
    except Exception:  # noqa: BLE001  (the alarms matter more than the checkpoint)
        log.exception("audit checkpoint failed")
        return
    if issued is not None:
        log.info("audit checkpoint of row %d sent to the coordinators", issued.seq)


def _heartbeat() -> None:
    """Record the completed sweep (haven.safety.heartbeat); `haven watchdog` reads it."""
    try:
        heartbeat.record()
    except Exception:  # noqa: BLE001  (the alarms matter more than the heartbeat)
        log.exception("worker heartbeat failed")


class Worker:
    def __init__(self, sleep: float | None = None) -> None:
        self.sleep = settings.HAVEN_WORKER_SLEEP_SECONDS if sleep is None else sleep
        self.stopping = threading.Event()

    def stop(self, *args: object) -> None:
        self.stopping.set()

    def step(self) -> StepResult:
        """One pass of the loop: the safety work first, then the audit checkpoint if one is due."""
        result = run_once()
        _heartbeat()
        checkpoint_audit()
        return result

    def run(self) -> None:
        while not self.stopping.is_set():
            busy = False
            try:
                close_old_connections()
                busy = self.step().busy
            except Exception:  # noqa: BLE001  (log and keep watching: a crash here silences alarms)
                log.exception("worker step failed")
            if not busy:  # a step that found work is followed at once: a backlog drains
                self.stopping.wait(self.sleep)


def install_signal_handlers(worker: Worker) -> None:
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)


def start_in_thread() -> threading.Thread:
    """`haven demo` runs the worker in its own process, beside the development server."""
    worker = Worker()
    thread = threading.Thread(target=worker.run, name="haven-worker", daemon=True)
    thread.start()
    return thread

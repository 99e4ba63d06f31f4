"""The gateway's two jobs: send queued replies (claimed with a conditional UPDATE, retried with
backoff, failures kept visible) and poll the channels that poll (cursor saved only after the
batch was ingested). `run_once(now)` is one step of both; `haven gateway` loops over it.

Nothing here logs a handle, a text or a provider's error body: a channel's name, a reply's
status and the adapter's English error message (which adapters keep free of both)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from haven.channels.adapters import Outbound, SendError
from haven.channels.ingest import adapter_for, ingest, open_payload
from haven.channels.models import Channel, Reply

log = logging.getLogger("haven.channels")

MAX_ATTEMPTS = 8
CLAIM_FOR = dt.timedelta(minutes=2)
FIRST_BACKOFF = dt.timedelta(seconds=5)
MAX_BACKOFF = dt.timedelta(minutes=30)
BATCH = 50


def backoff(attempts: int) -> dt.timedelta:
    """5 s, 10 s, 20 s ... up to 30 minutes: a provider down for an hour gets a handful of
    tries, not a flood, and a blip costs a person seconds."""
    return min(FIRST_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass
class Step:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    ingested: int = 0
    duplicates: int = 0
    poll_errors: list[str] = field(default_factory=list)


def _claim(now: dt.datetime) -> list[Reply]:
    due = list(
        Reply.objects.filter(status=Reply.Status.QUEUED, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    claimed = []
    for pk in due:
        # Two gateways side by side: only one wins each reply, so nobody gets a message twice.
        won = (
            Reply.objects.filter(pk=pk, status=Reply.Status.QUEUED)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .update(claimed_until=now + CLAIM_FOR)
        )
        if won:
            claimed.append(Reply.objects.select_related("channel").get(pk=pk))
    return claimed


def send_reply(reply: Reply, *, now: dt.datetime) -> bool:
    """Send one claimed reply; True when it went. The payload is dropped once sent."""
    reply.attempts += 1
    try:
        payload = open_payload(reply)
        provider_id = adapter_for(reply.channel).send(
            Outbound(to=payload["to"], text=payload["text"])
        )
    except SendError as exc:
        retry = exc.retryable and reply.attempts < MAX_ATTEMPTS
        reply.last_error = str(exc)[:300]
        reply.claimed_until = None
        if retry:
            wait = backoff(reply.attempts)
            retry_after = getattr(exc, "retry_after", None)
            if retry_after:
                wait = max(wait, dt.timedelta(seconds=float(retry_after)))
            reply.next_attempt_at = now + wait
        else:
            reply.status = Reply.Status.FAILED
            reply.next_attempt_at = None
            reply.payload = None
        reply.save(
            update_fields=[
                "attempts",
                "last_error",
                "claimed_until",
                "next_attempt_at",
                "status",
                "payload",
            ]
        )
        log.warning(
            "channel %s: reply %s (attempt %d)",
            reply.channel.name,
            "will be retried" if retry else "failed",
            reply.attempts,
        )
        return False
    except Exception as exc:  # noqa: BLE001  (an adapter bug must not stop every other reply)
        reply.last_error = f"unexpected error: {type(exc).__name__}"
        reply.claimed_until = None
        reply.next_attempt_at = now + backoff(reply.attempts)
        if reply.attempts >= MAX_ATTEMPTS:
            reply.status = Reply.Status.FAILED
            reply.payload = None
        reply.save(
            update_fields=[
                "attempts",
                "last_error",
                "claimed_until",
                "next_attempt_at",
                "status",
                "payload",
            ]
        )
        log.warning("channel %s: reply error %s", reply.channel.name, type(exc).__name__)
        return False
    reply.status = Reply.Status.SENT
    reply.provider_id = str(provider_id)[:200]
    reply.sent_at = timezone.now()
    reply.payload = None
    reply.claimed_until = None
    reply.next_attempt_at = None
    reply.last_error = ""
    reply.save(
        update_fields=[
            "status",
            "provider_id",
            "sent_at",
            "payload",
            "claimed_until",
            "next_attempt_at",
            "attempts",
            "last_error",
        ]
    )
    return True


def deliver_due(now: dt.datetime | None = None) -> Step:
    now = now or timezone.now()
    step = Step()
    for reply in _claim(now):
        if send_reply(reply, now=now):
            step.sent += 1
        elif reply.status == Reply.Status.FAILED:
            step.failed += 1
        else:
            step.retried += 1
    return step


def mark_delivered(*, channel: Channel, provider_id: str, failed: bool = False) -> int:
    """A provider's delivery report (an SMS gateway's `sms:delivered`, a Signal receipt)."""
    rows = Reply.objects.filter(channel=channel, provider_id=provider_id).exclude(
        status=Reply.Status.QUEUED
    )
    if failed:
        return rows.update(status=Reply.Status.FAILED, last_error="the provider reported failure")
    return rows.update(status=Reply.Status.DELIVERED, delivered_at=timezone.now())


def poll_channel(channel: Channel) -> Step:
    """One poll of one channel. The cursor is saved only after every message of the batch is
    ingested (each ingest commits on its own and is idempotent), so a crash repeats, never
    loses."""
    step = Step()
    adapter = adapter_for(channel)
    now = timezone.now()
    try:
        batch = adapter.poll(channel.cursor)
    except Exception as exc:  # noqa: BLE001  (one broken provider must not stop the others)
        message = str(exc)[:300] if isinstance(exc, SendError) else type(exc).__name__
        Channel.objects.filter(pk=channel.pk).update(
            last_error=f"poll failed: {message}"[:300], last_error_at=now, last_polled_at=now
        )
        step.poll_errors.append(channel.name)
        log.warning("channel %s: poll failed (%s)", channel.name, type(exc).__name__)
        return step
    finally:
        adapter.close()
    for provider_id, failed in getattr(adapter, "reports", []):
        mark_delivered(channel=channel, provider_id=provider_id, failed=failed)
    for message in batch.messages:
        result = ingest(channel, message)
        if result.duplicate:
            step.duplicates += 1
        else:
            step.ingested += 1
    with transaction.atomic():
        Channel.objects.filter(pk=channel.pk).update(
            cursor=batch.cursor, last_polled_at=now, last_ok_at=now
        )
    channel.cursor = batch.cursor
    return step


def poll_all() -> Step:
    from haven.channels.adapters import adapter_class

    total = Step()
    for channel in Channel.objects.filter(enabled=True):
        try:
            if adapter_class(channel.kind).mode != "poll" or channel.config.get("webhook"):
                continue
        except LookupError:
            continue
        step = poll_channel(channel)
        total.ingested += step.ingested
        total.duplicates += step.duplicates
        total.poll_errors += step.poll_errors
    return total


def run_once(now: dt.datetime | None = None) -> Step:
    step = poll_all()
    sent = deliver_due(now)
    step.sent, step.failed, step.retried = sent.sent, sent.failed, sent.retried
    return step


def _loop(stop: threading.Event, step: Callable[[], object], interval: float) -> None:
    while not stop.is_set():
        try:
            step()
        except Exception as exc:  # noqa: BLE001  (the loop must survive a bad step)
            log.warning("gateway step failed (%s)", type(exc).__name__)
        finally:
            from django.db import connection

            connection.close_if_unusable_or_obsolete()
        stop.wait(interval)


def run_forever(stop: threading.Event, *, interval: float = 1.0) -> None:
    """Polling and sending in two threads: a slow provider's poll never holds back replies
    (a panic reply, a codename), and a burst of replies never delays reading new messages."""
    sender = threading.Thread(
        target=_loop, args=(stop, deliver_due, interval), daemon=True, name="gateway-send"
    )
    sender.start()
    _loop(stop, poll_all, interval)
    sender.join()


def start_in_thread() -> threading.Thread:
    """For `haven demo`: the gateway in a background thread of the demo server."""
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(stop,), daemon=True, name="gateway")
    thread.start()
    return thread

"""The gateway's two jobs: send queued replies (claimed with a conditional UPDATE, retried with
backoff, failures kept visible) and poll the channels that poll (cursor saved only after the
batch was ingested). `run_once(now)` is one step of both; `haven gateway` loops over it.

Nothing here logs a handle, a text or a provider's error body: a channel's name, a reply's
status and the adapter's English error message (which adapters keep free of both)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from haven.channels.adapters import (
    Adapter,
    ChannelError,
    Outbound,
    RetryableSendError,
    SendError,
    adapter_class,
)
from haven.channels.ingest import adapter_for, ingest, open_payload, open_state, seal_state
from haven.channels.models import Channel, Reply
from haven.channels.problems import record

log = logging.getLogger("haven.channels")

MAX_ATTEMPTS = 8
CLAIM_FOR = dt.timedelta(minutes=2)
FIRST_BACKOFF = dt.timedelta(seconds=5)
MAX_BACKOFF = dt.timedelta(minutes=30)
BATCH = 50
# Longer than one step can take (a sync or a send: nio's 30 s timeout, twice), so a lease is
# only ever taken over from a gateway that died holding it.
STATE_LEASE = dt.timedelta(minutes=3)


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
    receipts: int = 0  # delivery reports a poll brought (Signal hands them out like messages)
    poll_errors: list[str] = field(default_factory=list)


class StateLease:
    """One step's hold on a channel's sealed state (`Channel.sealed_state`), for adapters that
    keep state (`Adapter.keeps_state`). `take` opens the state into the adapter; `save` seals
    what the adapter left, in the same UPDATE as the cursor when a poll gives one, and only
    while this step still holds the lease; `release` lets the next step in."""

    def __init__(self, channel: Channel, adapter: Adapter) -> None:
        self.channel, self.adapter = channel, adapter
        self.token = uuid.uuid4()
        self.saved: bytes | None = None  # the state as the row holds it

    @classmethod
    def take(cls, channel: Channel, adapter: Adapter, now: dt.datetime) -> StateLease | None:
        """None when another step holds the state (it is tried again at the next step)."""
        lease = cls(channel, adapter)
        won = (
            Channel.objects.filter(pk=channel.pk)
            .filter(Q(state_lease__isnull=True) | Q(state_lease_until__lt=now))
            .update(state_lease=lease.token, state_lease_until=now + STATE_LEASE)
        )
        if not won:
            return None
        sealed = Channel.objects.filter(pk=channel.pk).values_list("sealed_state", flat=True)[0]
        adapter.state = None
        if sealed:
            try:
                adapter.state = open_state(channel, bytes(sealed))
            except ValueError:
                # Not a crash loop: the adapter starts a new state (Matrix: new device keys,
                # uploaded again) and the channel's page says what was lost.
                adapter.state_notice = record(
                    gettext_noop(
                        "the channel's saved state could not be opened (was the delivery key "
                        "changed?): it was made again"
                    )
                )
                log.warning("channel %s: saved state could not be opened", channel.name)
        lease.saved = adapter.state
        return lease

    def save(self, *, cursor: str | None = None, now: dt.datetime | None = None) -> bool:
        """False when the lease was lost (another gateway took it over): nothing is saved."""
        fields: dict[str, object] = {}
        # An idle poll changes nothing in the state: the row is not rewritten every second.
        if self.adapter.state is not None and self.adapter.state != self.saved:
            fields["sealed_state"] = seal_state(self.channel, self.adapter.state)
        if cursor is not None:
            fields.update(cursor=cursor, last_polled_at=now, last_ok_at=now)
        if self.adapter.state_notice:
            fields.update(last_error=self.adapter.state_notice, last_error_at=now)
        if not fields:
            return True
        saved = Channel.objects.filter(pk=self.channel.pk, state_lease=self.token).update(**fields)
        if saved:
            self.adapter.state_notice = ""
            self.saved = self.adapter.state
        else:
            log.warning("channel %s: the state was taken over; not saved", self.channel.name)
        return bool(saved)

    def release(self) -> None:
        Channel.objects.filter(pk=self.channel.pk, state_lease=self.token).update(
            state_lease=None, state_lease_until=None
        )


def _claim(now: dt.datetime, channel_id: UUID | None = None) -> list[Reply]:
    due_rows = Reply.objects.filter(status=Reply.Status.QUEUED, next_attempt_at__lte=now).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )
    if channel_id is not None:
        due_rows = due_rows.filter(channel_id=channel_id)
    due = list(due_rows.order_by("next_attempt_at").values_list("pk", flat=True)[:BATCH])
    won_pks = set()
    # One transaction for the batch: one commit (one fsync on SQLite) instead of one per reply,
    # which was a fifth of the send thread in the burst profile. Rows are claimed in primary-key
    # order so that two gateways claiming overlapping batches take row locks in the same order.
    with transaction.atomic():
        for pk in sorted(due):
            # Two gateways side by side: only one wins each reply, so nobody gets a message
            # twice (on PostgreSQL the loser's UPDATE waits for the winner's commit and then
            # finds the claim taken).
            won = (
                Reply.objects.filter(pk=pk, status=Reply.Status.QUEUED)
                .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
                .update(claimed_until=now + CLAIM_FOR)
            )
            if won:
                won_pks.add(pk)
    rows = Reply.objects.select_related("channel", "sender").in_bulk(list(won_pks))
    return [rows[pk] for pk in due if pk in rows]


def _save(reply: Reply, fields: list[str], lease: StateLease | None) -> None:
    # The adapter's state (new Olm sessions made to encrypt this reply) is kept in the same
    # transaction as the reply's status: what the person's devices now hold, we hold too.
    with transaction.atomic():
        reply.save(update_fields=fields)
        if lease is not None:
            lease.save(now=timezone.now())


class _StateBusy(RetryableSendError):
    """Another step of this channel holds its state: not an attempt, the reply waits a moment."""


def send_reply(
    reply: Reply,
    *,
    now: dt.datetime,
    adapter: Adapter | None = None,
    lease: StateLease | None = None,
) -> bool:
    """Send one claimed reply (through `adapter`, one of the reply's channel, if given: its
    connection is reused); True when it went. The payload is dropped once sent. An adapter
    that keeps state works under a `lease` (taken here when the caller holds none), and its
    state is saved with the reply's row."""
    held: list[StateLease] = []
    try:
        return _send_reply(reply, now=now, adapter=adapter, lease=lease, held=held)
    finally:
        for taken in held:
            taken.release()


def _send_reply(
    reply: Reply,
    *,
    now: dt.datetime,
    adapter: Adapter | None,
    lease: StateLease | None,
    held: list[StateLease],
) -> bool:
    reply.attempts += 1
    own = adapter is None
    try:
        payload = open_payload(reply)
        if adapter is None:
            adapter = adapter_for(reply.channel)
        if adapter.keeps_state and lease is None:
            lease = StateLease.take(reply.channel, adapter, now)
            if lease is None:
                raise _StateBusy("another step is using the channel's keys", retry_after=2)
            held.append(lease)
        language = reply.sender.language if reply.sender is not None else ""
        provider_id = adapter.send(
            Outbound(to=payload["to"], text=payload["text"], language=language)
        )
    except SendError as exc:
        busy = isinstance(exc, _StateBusy)
        if busy:  # not a failure: the last error the request page shows stays as it was
            reply.attempts -= 1
        retry = exc.retryable and reply.attempts < MAX_ATTEMPTS
        reply.last_error = reply.last_error if busy else exc.problem
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
        _save(
            reply,
            ["attempts", "last_error", "claimed_until", "next_attempt_at", "status", "payload"],
            lease,
        )
        if busy:  # the other step is done in a moment: not worth an operator's attention
            log.info("channel %s: reply waits for the channel's keys", reply.channel.name)
        else:
            log.warning(
                "channel %s: reply %s (attempt %d)",
                reply.channel.name,
                "will be retried" if retry else "failed",
                reply.attempts,
            )
        return False
    except Exception as exc:  # noqa: BLE001  (an adapter bug must not stop every other reply)
        reply.last_error = record(
            gettext_noop("unexpected error (%(error)s)"), error=type(exc).__name__
        )
        reply.claimed_until = None
        reply.next_attempt_at = now + backoff(reply.attempts)
        if reply.attempts >= MAX_ATTEMPTS:
            reply.status = Reply.Status.FAILED
            reply.payload = None
        _save(
            reply,
            ["attempts", "last_error", "claimed_until", "next_attempt_at", "status", "payload"],
            lease,
        )
        log.warning("channel %s: reply error %s", reply.channel.name, type(exc).__name__)
        return False
    finally:
        if own and adapter is not None:
            adapter.close()
    reply.status = Reply.Status.SENT
    reply.provider_id = str(provider_id)[:200]
    reply.sent_at = timezone.now()
    reply.payload = None
    reply.claimed_until = None
    reply.next_attempt_at = None
    reply.last_error = ""
    _save(
        reply,
        [
            "status",
            "provider_id",
            "sent_at",
            "payload",
            "claimed_until",
            "next_attempt_at",
            "attempts",
            "last_error",
        ],
        lease,
    )
    return True


def deliver_due(
    now: dt.datetime | None = None,
    *,
    channel_id: UUID | None = None,
    adapters: dict[UUID, Adapter] | None = None,
) -> Step:
    """Send what is due (of one channel, if given). Replies of one channel in a step share one
    adapter, so one connection or HTTP session; `adapters` (channel id -> adapter) lets a
    caller keep them from step to step, and close them itself."""
    now = now or timezone.now()
    step = Step()
    own: dict[UUID, Adapter] = {}
    # One lease on a channel's state for the whole batch (its replies share the adapter).
    leases: dict[UUID, StateLease | None] = {}
    try:
        for reply in _claim(now, channel_id):
            cache = adapters if adapters is not None else own
            adapter = cache.get(reply.channel_id)
            if adapter is None:
                adapter = cache[reply.channel_id] = adapter_for(reply.channel)
            if adapter.keeps_state and reply.channel_id not in leases:
                leases[reply.channel_id] = StateLease.take(reply.channel, adapter, now)
            lease = leases.get(reply.channel_id)
            if send_reply(reply, now=now, adapter=adapter, lease=lease):
                step.sent += 1
            elif reply.status == Reply.Status.FAILED:
                step.failed += 1
            else:
                step.retried += 1
    finally:
        for held in leases.values():
            if held is not None:
                held.release()
        for adapter in own.values():
            adapter.close()
    return step


def mark_delivered(*, channel: Channel, provider_id: str, failed: bool = False) -> int:
    """A provider's delivery report (an SMS gateway's `sms:delivered`, a Signal receipt)."""
    rows = Reply.objects.filter(channel=channel, provider_id=provider_id).exclude(
        status=Reply.Status.QUEUED
    )
    if failed:
        return rows.update(
            status=Reply.Status.FAILED,
            last_error=record(gettext_noop("the provider reported that delivery failed")),
        )
    return rows.update(status=Reply.Status.DELIVERED, delivered_at=timezone.now())


def poll_channel(channel: Channel, adapter: Adapter | None = None) -> Step:
    """One poll of one channel (through `adapter` if the caller keeps one for it). The cursor
    is saved only after every message of the batch is ingested (each ingest commits on its own
    and is idempotent), so a crash repeats, never loses. An adapter that keeps state polls
    under the channel's state lease, and its state is saved with the cursor."""
    step = Step()
    own = adapter is None
    if adapter is None:
        adapter = adapter_for(channel)
    now = timezone.now()
    lease: StateLease | None = None
    if adapter.keeps_state:
        lease = StateLease.take(channel, adapter, now)
        if lease is None:  # a send step of this channel holds its state: poll next step
            if own:
                adapter.close()
            return step
        # Read under the lease: another gateway may have moved it since `channel` was read.
        channel.cursor = Channel.objects.filter(pk=channel.pk).values_list("cursor", flat=True)[0]
    try:
        return _poll_with(channel, adapter, now=now, own=own, lease=lease, step=step)
    finally:
        if lease is not None:
            lease.release()


def _poll_with(
    channel: Channel,
    adapter: Adapter,
    *,
    now: dt.datetime,
    own: bool,
    lease: StateLease | None,
    step: Step,
) -> Step:
    try:
        batch = adapter.poll(channel.cursor)
    except Exception as exc:  # noqa: BLE001  (one broken provider must not stop the others)
        if isinstance(exc, ChannelError):
            problem = record(gettext_noop("polling failed: %(reason)s"), reason=exc.problem)
        else:
            problem = record(gettext_noop("polling failed (%(error)s)"), error=type(exc).__name__)
        Channel.objects.filter(pk=channel.pk).update(
            last_error=problem, last_error_at=now, last_polled_at=now
        )
        step.poll_errors.append(channel.name)
        log.warning("channel %s: poll failed (%s)", channel.name, type(exc).__name__)
        if not own:
            raise  # the caller drops the adapter it keeps and builds a fresh one
        return step
    finally:
        if own:
            adapter.close()
    # A kept adapter gathers the receipts of each poll afresh.
    gathered = getattr(adapter, "reports", None) or []
    reports = list(gathered)
    gathered.clear()
    for provider_id, failed in reports:
        mark_delivered(channel=channel, provider_id=provider_id, failed=failed)
    step.receipts = len(reports)
    for message in batch.messages:
        result = ingest(channel, message)
        if result.duplicate:
            step.duplicates += 1
        else:
            step.ingested += 1
    with transaction.atomic():
        if lease is not None:
            # The state and the position it belongs to, in one UPDATE: a restart resumes
            # with the keys that decrypted this batch, from just after it.
            if not lease.save(cursor=batch.cursor, now=now):
                return step  # taken over: the next step repeats the batch (deduped)
        else:
            Channel.objects.filter(pk=channel.pk).update(
                cursor=batch.cursor, last_polled_at=now, last_ok_at=now
            )
    channel.cursor = batch.cursor
    return step


def _polls(channel: Channel) -> bool:
    try:
        return adapter_class(channel.kind).mode == "poll" and not channel.config.get("webhook")
    except LookupError:
        return False


def poll_all() -> Step:
    total = Step()
    for channel in Channel.objects.filter(enabled=True):
        if not _polls(channel):
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


class _ChannelJob:
    """One channel's polling or sending, in a thread of its own, keeping one adapter (so one
    connection or HTTP session) from step to step. The adapter is built again when the
    channel's configuration or secrets change, or after an error."""

    def __init__(self, channel_id: UUID, job: str) -> None:
        self.channel_id, self.job = channel_id, job
        self.adapter: Adapter | None = None
        self.made_from: tuple[str, bytes] | None = None

    def _adapter(self, channel: Channel) -> Adapter:
        made_from = (
            json.dumps(channel.config, sort_keys=True),
            bytes(channel.sealed_secrets or b""),
        )
        if self.adapter is not None and made_from != self.made_from:
            self.drop()
        if self.adapter is None:
            self.adapter, self.made_from = adapter_for(channel), made_from
        return self.adapter

    def drop(self) -> None:
        if self.adapter is not None:
            adapter, self.adapter = self.adapter, None
            try:
                adapter.close()
            except Exception as exc:  # noqa: BLE001  (closing a broken connection)
                log.warning("gateway: closing an adapter failed (%s)", type(exc).__name__)

    def step(self) -> bool | None:
        """One step; True: there was work (go again at once); None: the job is over (the
        channel was removed, or stopped polling)."""
        channel = Channel.objects.filter(pk=self.channel_id).first()
        if channel is None or (self.job == "poll" and not (channel.enabled and _polls(channel))):
            return None
        try:
            adapter = self._adapter(channel)
            if self.job == "poll":
                # Anything the poll brought (a message, a repeat, a receipt) means more may be
                # waiting behind it: Signal hands out one envelope per poll.
                polled = poll_channel(channel, adapter)
                return polled.ingested + polled.duplicates + polled.receipts > 0
            sent = deliver_due(channel_id=channel.pk, adapters={channel.pk: adapter})
            return sent.sent + sent.failed + sent.retried > 0
        except Exception:
            self.drop()
            raise


def _loop(stop: threading.Event, step: Callable[[], object], interval: float) -> None:
    while not stop.is_set():
        busy: object = False
        try:
            busy = step()
        except Exception as exc:  # noqa: BLE001  (the loop must survive a bad step)
            log.warning("gateway step failed (%s)", type(exc).__name__)
        finally:
            from django.db import connection

            connection.close_if_unusable_or_obsolete()
        if busy is None:
            break
        if not busy:  # after work, at once: more may be waiting
            stop.wait(interval)


def _run_job(stop: threading.Event, job: _ChannelJob, interval: float) -> None:
    from django.db import connection

    try:
        _loop(stop, job.step, interval)
    finally:
        job.drop()
        connection.close()


def run_forever(stop: threading.Event, *, interval: float = 1.0, refresh: float = 10.0) -> None:
    """Each channel's polling and each channel's sending in a thread of its own: a slow
    provider's poll (an IMAP login, a Matrix sync, signal-cli's receive wait) never holds back
    another channel's messages or any reply, and a burst of replies on one channel never delays
    another's. The channel list is read again every `refresh` seconds (a channel added, or
    enabled, starts its threads)."""
    threads: dict[tuple[UUID, str], threading.Thread] = {}
    from django.db import connection

    while not stop.is_set():
        try:
            for channel in Channel.objects.all():
                jobs = ["send"] + (["poll"] if channel.enabled and _polls(channel) else [])
                for job in jobs:
                    thread = threads.get((channel.pk, job))
                    if thread is not None and thread.is_alive():
                        continue
                    thread = threading.Thread(
                        target=_run_job,
                        args=(stop, _ChannelJob(channel.pk, job), interval),
                        daemon=True,
                        name=f"gateway-{job}-{channel.name}",
                    )
                    threads[(channel.pk, job)] = thread
                    thread.start()
        except Exception as exc:  # noqa: BLE001  (the supervisor must survive a bad read)
            log.warning("gateway: reading the channels failed (%s)", type(exc).__name__)
        finally:
            connection.close_if_unusable_or_obsolete()
        stop.wait(refresh)
    for thread in threads.values():
        thread.join()


def start_in_thread() -> threading.Thread:
    """For `haven demo`: the gateway in a background thread of the demo server."""
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(stop,), daemon=True, name="gateway")
    thread.start()
    return thread

"""An adapter's sealed state between steps (Matrix's end-to-end keys): one step at a time holds
it, a step that lost its lease saves nothing, an unopenable state is made again with a line
for the operator, and a reply waiting for the lease is not counted as a failed attempt."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from haven.channels import delivery
from haven.channels.ingest import _seal_payload, adapter_for, create_channel
from haven.channels.models import Channel, Reply

pytestmark = pytest.mark.django_db


def _channel() -> Channel:
    return create_channel(
        kind="matrix",
        name="matrix",
        config={"homeserver": "http://127.0.0.1:9", "user_id": "@bot:x", "device_id": "D"},
        secrets={"access_token": "t"},
    )


def test_one_step_at_a_time_holds_the_state_and_its_save_reaches_the_next() -> None:
    channel = _channel()
    first, second = adapter_for(channel), adapter_for(channel)
    now = timezone.now()
    held = delivery.StateLease.take(channel, first, now)
    assert held is not None and first.state is None

    assert delivery.StateLease.take(channel, second, now) is None
    first.state = b"the keys"
    assert held.save(cursor="s1", now=now)
    held.release()

    again = delivery.StateLease.take(channel, second, now)
    assert again is not None and second.state == b"the keys"
    row = Channel.objects.get(pk=channel.pk)
    assert row.cursor == "s1" and b"the keys" not in bytes(row.sealed_state)


def test_a_step_whose_lease_was_taken_over_saves_nothing() -> None:
    channel = _channel()
    slow, other = adapter_for(channel), adapter_for(channel)
    now = timezone.now()
    stuck = delivery.StateLease.take(channel, slow, now)
    assert stuck is not None
    later = now + delivery.STATE_LEASE + dt.timedelta(seconds=1)
    taken = delivery.StateLease.take(channel, other, later)
    assert taken is not None
    other.state = b"newer"
    assert taken.save(cursor="new", now=later)

    slow.state = b"older"
    assert not stuck.save(cursor="old", now=later)

    row = Channel.objects.get(pk=channel.pk)
    assert row.cursor == "new"
    fresh = adapter_for(channel)
    taken.release()
    assert delivery.StateLease.take(channel, fresh, later) is not None
    assert fresh.state == b"newer"


def test_a_state_that_cannot_be_opened_is_made_again_and_said() -> None:
    channel = _channel()
    Channel.objects.filter(pk=channel.pk).update(sealed_state=b"damaged")
    adapter = adapter_for(channel)
    lease = delivery.StateLease.take(channel, adapter, timezone.now())
    assert lease is not None and adapter.state is None
    adapter.state = b"made again"
    assert lease.save(now=timezone.now())
    assert "could not be opened" in Channel.objects.get(pk=channel.pk).last_error


def test_a_reply_waiting_for_the_state_is_not_counted_as_an_attempt() -> None:
    channel = _channel()
    reply = Reply(channel=channel, purpose=Reply.Purpose.TEST)
    _seal_payload(reply, "@person:x !room:x", "hello")
    reply.save()
    now = timezone.now()
    assert delivery.StateLease.take(channel, adapter_for(channel), now) is not None

    assert not delivery.send_reply(reply, now=now)

    reply.refresh_from_db()
    assert (reply.status, reply.attempts, reply.last_error) == (Reply.Status.QUEUED, 0, "")
    assert reply.next_attempt_at is not None and reply.next_attempt_at > now


def test_a_damaged_matrix_state_that_still_opens_is_made_again_not_a_crash_loop() -> None:
    from haven.channels.matrix import KEYS_LOST, MatrixAdapter

    adapter = MatrixAdapter(
        {"homeserver": "http://127.0.0.1:9", "user_id": "@bot:x", "device_id": "D"}
    )
    adapter.state = b"\x00\x00\x00\x02{}not a database"

    async def nothing(client):  # type: ignore[no-untyped-def]
        return client.olm.account.identity_keys

    keys = adapter._run(nothing)

    assert keys["ed25519"] and adapter.state_notice == KEYS_LOST
    assert adapter.state and adapter.state != b"\x00\x00\x00\x02{}not a database"


def test_an_unchanged_state_is_not_written_again() -> None:
    channel = _channel()
    adapter = adapter_for(channel)
    now = timezone.now()
    lease = delivery.StateLease.take(channel, adapter, now)
    assert lease is not None
    adapter.state = b"keys"
    assert lease.save(cursor="a", now=now)
    sealed = bytes(Channel.objects.get(pk=channel.pk).sealed_state)

    assert lease.save(cursor="b", now=now)

    row = Channel.objects.get(pk=channel.pk)
    assert row.cursor == "b" and bytes(row.sealed_state) == sealed

"""Issue 17, a burst of inbound messages (docs/bench/channels.md): what the profile found slow
stays fixed. The webhooks' lane takes a legitimate burst and still turns a flood away; the
gateway polls each channel in a thread of its own, so a provider that hangs holds back nobody
else's messages; the replies of one channel in a step go through one adapter (one HTTP
session), claimed by one gateway only; Telegram's adapter keeps its session until closed."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from haven.channels import delivery
from haven.channels.models import InboundMessage, Reply
from haven.channels.signal import SignalAdapter
from haven.channels.views import webhook_budget
from haven.intake import actions as intake_actions
from haven.intake.models import HelpRequest


class _Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_webhook_lane_takes_1000_messages_in_a_minute_and_turns_a_flood_away(
    tmp_path: Path,
) -> None:
    # The installation's defaults (not the test settings' own): HAVEN_CHANNEL_WEBHOOK_*.
    assert settings.HAVEN_CHANNEL_WEBHOOK_PER_SECOND >= 17
    clock = _Clock()
    budget = webhook_budget()
    budget.directory, budget.clock = tmp_path, clock
    accepted = 0
    for n in range(1000):  # 1,000 in 60 s, evenly: 16.7 a second
        clock.now = 1_000_000.0 + n * 0.06
        slot = budget.try_acquire()
        if slot is not None:
            accepted += 1
            slot.release()
    assert accepted == 1000

    clock.now += 3600  # an hour later the bucket is full again; then 5,000 within one second
    flood = 0
    for _ in range(5000):
        clock.now += 1 / 5000
        slot = budget.try_acquire()
        if slot is not None:
            flood += 1
            slot.release()
    assert flood <= settings.HAVEN_CHANNEL_WEBHOOK_BURST + settings.HAVEN_CHANNEL_WEBHOOK_PER_SECOND
    assert flood < 5000 / 10


@pytest.mark.django_db(transaction=True)
def test_a_channel_whose_provider_hangs_holds_back_no_other_channels_messages(
    signal_channel, telegram_channel, telegram_server, monkeypatch
):
    release = threading.Event()
    signal_polled = threading.Event()

    def hanging_poll(self, cursor):  # type: ignore[no-untyped-def]
        signal_polled.set()
        release.wait(60)
        raise OSError("signal-cli did not answer")

    monkeypatch.setattr(SignalAdapter, "poll", hanging_poll)
    ingested = threading.Event()
    real_ingest = delivery.ingest

    def ingest_and_tell(channel, message):  # type: ignore[no-untyped-def]
        result = real_ingest(channel, message)
        ingested.set()
        return result

    monkeypatch.setattr(delivery, "ingest", ingest_and_tell)
    telegram_server.push_message(chat_id=7001, text="Помогите уехать")
    stop = threading.Event()
    gateway = threading.Thread(target=delivery.run_forever, args=(stop,), kwargs={"interval": 0.05})
    gateway.start()
    try:
        assert signal_polled.wait(30)
        # Signal's poll is still hanging while Telegram's message is taken in.
        assert ingested.wait(30)
        assert not release.is_set()
        assert InboundMessage.objects.filter(channel=telegram_channel).count() == 1
    finally:
        stop.set()
        release.set()
        gateway.join(60)
    assert not gateway.is_alive()


@pytest.mark.django_db
def test_the_replies_of_one_channel_in_a_step_share_one_adapter_and_all_go(
    telegram_channel, telegram_server, personas, monkeypatch
):
    for chat in (7101, 7102, 7103):
        telegram_server.push_message(chat_id=chat, text="Нужна помощь")
    assert delivery.poll_all().ingested == 3
    for request in HelpRequest.objects.all():
        intake_actions.reply(actor=personas.operator, request=request, text="Мы здесь")
    made = []
    real_adapter_for = delivery.adapter_for

    def counting_adapter_for(channel):  # type: ignore[no-untyped-def]
        made.append(channel.pk)
        return real_adapter_for(channel)

    monkeypatch.setattr(delivery, "adapter_for", counting_adapter_for)
    step = delivery.deliver_due()
    assert step.sent == 6  # three codename replies and three staff replies
    assert made == [telegram_channel.pk]
    assert [m["text"] for m in telegram_server.sent].count("Мы здесь") == 3
    assert not Reply.objects.filter(status=Reply.Status.QUEUED).exists()


@pytest.mark.django_db
def test_replies_claimed_in_one_transaction_go_to_one_gateway_only(
    telegram_channel, telegram_server
):
    for chat in (7201, 7202):
        telegram_server.push_message(chat_id=chat, text="help")
    delivery.poll_all()
    now = timezone.now()
    first = delivery._claim(now)
    assert len(first) == 2
    assert delivery._claim(now) == []  # a second gateway at the same moment finds them taken
    assert delivery.deliver_due(now).sent == 0


@pytest.mark.django_db
def test_the_telegram_adapter_keeps_one_session_until_it_is_closed(
    telegram_channel, telegram_server
):
    from haven.channels.adapters import Outbound
    from haven.channels.ingest import adapter_for

    adapter = adapter_for(telegram_channel)
    adapter.send(Outbound(to="7301", text="one"))
    session = adapter._bot.session
    adapter.send(Outbound(to="7301", text="two"))
    assert adapter._bot.session is session
    adapter.close()
    assert adapter._bot is None and adapter._loop is None
    adapter.send(Outbound(to="7301", text="three"))  # usable again after close
    adapter.close()
    assert [m["text"] for m in telegram_server.sent][-3:] == ["one", "two", "three"]


def test_threads_asking_for_an_adapter_at_start_up_all_get_it(monkeypatch):
    """gunicorn's threads take their first webhooks together: one must not find the registry
    marked loaded while another is still importing the adapters (it answered 500)."""
    from haven.channels import adapters
    from haven.channels.sms import SmsGatewayAdapter

    monkeypatch.setattr(adapters, "_REGISTRY", adapters._Registry())
    first_importing, second_done = threading.Event(), threading.Event()

    def slow_import(module: str) -> None:
        if module == adapters.BUILTIN_MODULES[0]:
            first_importing.set()
            second_done.wait(1)  # the second thread's answer, if it does not wait for us
            adapters.register(SmsGatewayAdapter)

    monkeypatch.setattr(adapters, "import_module", slow_import)
    found: list[object] = []

    def second() -> None:
        first_importing.wait(10)
        try:
            found.append(adapters.adapter_class("sms"))
        except LookupError as exc:
            found.append(exc)
        finally:
            second_done.set()

    other = threading.Thread(target=second)
    other.start()
    assert adapters.adapter_class("sms") is SmsGatewayAdapter
    other.join(10)
    assert found == [SmsGatewayAdapter]

"""Telegram (aiogram against the Bot API stand-in) and Signal (JSON-RPC against the signal-cli
stand-in): polled in with a stored cursor, nothing lost or doubled across a restart, replies
out, known-sender panic on Signal."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from PIL import Image

from haven.channels import delivery
from haven.channels.ingest import register_known_handle
from haven.channels.models import Channel, InboundMessage, Reply
from haven.intake import actions as intake_actions
from haven.intake.models import HelpRequest, MessageAttachment
from haven.safety.models import SafetyIncident
from haven.testing.personas import keyring_for


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "JPEG")
    return out.getvalue()


@pytest.mark.django_db
def test_telegram_messages_are_polled_once_with_a_stored_cursor_and_answered(
    telegram_channel, telegram_server, personas
):
    telegram_server.push_message(chat_id=5551, text="Hello, I need help leaving", language="en")
    telegram_server.push_message(chat_id=5551, text="фото", photo=_jpeg())
    step = delivery.run_once()
    assert step.ingested == 2
    request = HelpRequest.objects.get()
    assert request.language == "en"
    assert MessageAttachment.objects.filter(message__request=request).count() == 1
    channel = Channel.objects.get(pk=telegram_channel.pk)
    assert channel.cursor and channel.last_ok_at
    # A restart: the stored cursor confirms what was ingested; nothing comes twice.
    assert delivery.run_once().ingested == 0
    assert InboundMessage.objects.count() == 2
    first = telegram_server.sent[0]
    assert first["to"] == "5551"
    assert "not end-to-end encrypted" in first["text"]
    intake_actions.reply(actor=personas.operator, request=request, text="We will call you")
    assert delivery.run_once().sent == 1
    assert telegram_server.sent[-1]["text"] == "We will call you"


@pytest.mark.django_db
def test_a_crash_before_the_cursor_is_saved_repeats_the_batch_without_duplicates(
    telegram_channel, telegram_server
):
    telegram_server.push_message(chat_id=5552, text="раз")
    delivery.run_once()
    # As if the gateway died after ingesting but before saving its position.
    Channel.objects.filter(pk=telegram_channel.pk).update(cursor="")
    assert delivery.run_once().duplicates == 1
    assert InboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_blocked_bot_fails_permanently_and_a_rate_limit_is_retried(
    telegram_channel, telegram_server, personas
):
    telegram_server.push_message(chat_id=403, text="help")
    step = delivery.run_once()
    assert step.failed == 1
    assert "Forbidden" in Reply.objects.get().last_error
    telegram_server.push_message(chat_id=5553, text="help me")
    telegram_server.fail_next(1, 429)
    step = delivery.run_once()
    assert step.retried == 1
    assert Reply.objects.get(status=Reply.Status.QUEUED).last_error


@pytest.mark.django_db
def test_a_telegram_webhook_needs_the_secret_token(telegram_channel, telegram_server):
    Channel.objects.filter(pk=telegram_channel.pk).update(
        config={**telegram_channel.config, "webhook": True}
    )
    update = {
        "update_id": 77,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 4242, "type": "private"},
            "text": "помогите",
        },
    }
    url = f"/channels/hook/{telegram_channel.pk}/"
    body = json.dumps(update)
    assert Client().post(url, data=body, content_type="application/json").status_code == 403
    ok = Client().post(
        url,
        data=body,
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": "tg-secret"},
    )
    assert ok.status_code == 200
    assert HelpRequest.objects.get().urgency == HelpRequest.Urgency.URGENT
    assert delivery.run_once().ingested == 0  # a webhook channel is not polled


@pytest.mark.django_db
def test_signal_messages_in_and_out_with_delivery_receipts(signal_channel, signal_server, personas):
    signal_server.push_message(number="+79005550001", text="Нужна помощь, я в Грозном")
    assert delivery.run_once().ingested == 1
    request = HelpRequest.objects.get()
    first = signal_server.sent[0]
    assert first["to"] == ["+79005550001"]
    assert "номер телефона" in first["text"] or "phone number" in first["text"]
    intake_actions.reply(actor=personas.operator, request=request, text="Держитесь, мы рядом")
    delivery.run_once()
    staff = Reply.objects.get(purpose=Reply.Purpose.STAFF)
    assert staff.status == Reply.Status.SENT
    signal_server.push_receipt(number="+79005550001", timestamps=[int(staff.provider_id)])
    delivery.run_once()
    staff.refresh_from_db()
    assert staff.status == Reply.Status.DELIVERED


@pytest.mark.django_db
def test_a_known_signal_sender_writing_pomogite_raises_the_panic_escalation(
    signal_channel, signal_server, personas
):
    from haven.cases import actions as case_actions

    ring = keyring_for(personas.caseworker)
    case = case_actions.create_case(keyring=ring, risk="high")
    register_known_handle(
        keyring=ring,
        case=case,
        kind="signal",
        handle="+7 900 555 00 02",
        panic_words=["апельсин"],
        duress_words=[],
    )
    signal_server.push_message(number="+79005550002", text="апельсин")
    delivery.run_once()
    incident = SafetyIncident.objects.get()
    assert incident.kind == SafetyIncident.Kind.PANIC and incident.case_id == case.pk


@pytest.mark.django_db
def test_an_unregistered_signal_number_fails_permanently(signal_channel, signal_server):
    signal_server.push_message(number="+19999999999", text="hi")
    step = delivery.run_once()
    assert step.failed == 1


@pytest.mark.django_db
def test_signal_hands_out_one_message_per_poll_so_a_crash_can_lose_at_most_one(
    signal_channel, signal_server
) -> None:
    """signal-cli acknowledges what `receive` returns: the gateway takes one envelope, commits it,
    then asks for the next; what a kill between the two can lose is that one message."""
    from haven.channels.delivery import _ChannelJob

    for n in range(3):
        signal_server.push_message(number=f"+7900555010{n}", text=f"сообщение {n}")
    job = _ChannelJob(signal_channel.pk, "poll")
    assert job.step() is True  # one message, and more may be waiting: go again at once
    assert InboundMessage.objects.count() == 1 and len(signal_server.envelopes) == 2
    assert job.step() is True and job.step() is True
    assert InboundMessage.objects.count() == 3 and not signal_server.envelopes
    assert job.step() is False  # nothing left: the loop waits its interval
    job.drop()

"""No handle and no text of any channel's payloads in the database or the logs: SMS, Telegram
and Signal messages in, first replies and a staff reply out, every one carrying a marker."""

from __future__ import annotations

import secrets

import pytest
from django.test import Client

from haven.channels import delivery
from haven.intake import actions as intake_actions
from haven.intake.models import HelpRequest
from haven.testing.channel_servers import SmsGatewayServer
from haven.testing.leakscan import Markers, assert_no_leaks

from .conftest import SMS_SECRET


def _digits(markers: Markers, count: int) -> str:
    value = "".join(str(secrets.randbelow(10)) for _ in range(count))
    markers.values.append(value)
    return value


@pytest.mark.django_db(transaction=True)
def test_no_channel_handle_or_text_is_found_in_the_database_or_the_logs(
    sms_channel,
    telegram_channel,
    signal_channel,
    sms_server,
    telegram_server,
    signal_server,
    personas,
    caplog,
) -> None:
    markers = Markers()
    phone = "+7" + _digits(markers, 10)
    body, headers = SmsGatewayServer.webhook(
        secret=SMS_SECRET, event_id="leak-1", phone=phone, text=markers.new("sms", cyrillic=True)
    )
    response = Client().post(
        f"/channels/hook/{sms_channel.pk}/",
        data=body,
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200
    chat = int("9" + _digits(markers, 11))
    telegram_server.push_message(chat_id=chat, text=markers.new("telegram"))
    signal_number = "+7" + _digits(markers, 10)
    signal_server.push_message(
        number=signal_number, text=markers.new("signal", cyrillic=True), uuid=markers.new("uuid")
    )
    delivery.run_once()
    for request in HelpRequest.objects.all():
        intake_actions.reply(actor=personas.operator, request=request, text=markers.new("reply"))
    step = delivery.run_once()
    assert step.sent == 3
    assert HelpRequest.objects.count() == 3
    # The markers did travel: the stand-ins received them, so the scan looks for real values.
    assert any(phone in s["to"] for s in sms_server.sent)
    assert any(s["to"] == str(chat) for s in telegram_server.sent)
    assert_no_leaks(markers, log_text=caplog.text)

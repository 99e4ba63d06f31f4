"""SMS end to end: the gateway's signed webhook becomes a request in triage, the first reply
with a codename and a staff reply go back through the gateway's API (stand-in on loopback),
failures are retried with backoff and shown, and a known sender's «Помогите!» escalates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from haven.channels import delivery
from haven.channels.ingest import register_known_handle
from haven.channels.models import InboundMessage, Reply, Sender
from haven.intake import actions as intake_actions
from haven.intake.models import HelpRequest
from haven.safety.models import SafetyIncident
from haven.testing.channel_servers import SmsGatewayServer
from haven.testing.personas import keyring_for

from .conftest import SMS_SECRET

PHONE = "+79001234567"


def post_sms(channel, *, event_id: str, text: str, phone: str = PHONE, secret: str = SMS_SECRET):  # type: ignore[no-untyped-def]
    body, headers = SmsGatewayServer.webhook(
        secret=secret, event_id=event_id, phone=phone, text=text
    )
    return Client().post(
        f"/channels/hook/{channel.pk}/",
        data=body,
        content_type="application/json",
        headers=headers,
    )


@pytest.mark.django_db
def test_an_sms_becomes_a_request_and_the_person_gets_a_codename_back(
    sms_channel, sms_server, personas
):
    response = post_sms(sms_channel, event_id="ev-1", text="Меня ищут, нужна помощь с отъездом")
    assert response.status_code == 200
    request = HelpRequest.objects.get()
    assert request.urgency == HelpRequest.Urgency.HIGH
    opened = keyring_for(personas.operator).open(request.vault)
    message = request.messages.get()
    assert opened.unseal(message, "body") == "Меня ищут, нужна помощь с отъездом"
    assert PHONE in opened.unseal(message, "contact")
    sender = Sender.objects.get()
    assert opened.unseal(sender, "handle") == PHONE

    step = delivery.run_once()
    assert step.sent == 1
    (sent,) = sms_server.sent
    assert sent["to"] == [PHONE]
    assert "SMS is not encrypted" in sent["text"] or "SMS не шифруется" in sent["text"]
    reply = Reply.objects.get()
    assert reply.status == Reply.Status.SENT and reply.payload is None
    assert reply.provider_id == sent["id"]


@pytest.mark.django_db
def test_the_same_webhook_twice_is_one_message_and_a_returning_sender_joins_their_request(
    sms_channel, personas
):
    assert post_sms(sms_channel, event_id="ev-1", text="первое").status_code == 200
    assert post_sms(sms_channel, event_id="ev-1", text="первое").status_code == 200
    assert InboundMessage.objects.count() == 1
    # The same number written another way is the same person.
    assert (
        post_sms(sms_channel, event_id="ev-2", text="второе", phone="8 (900) 123-45-67").status_code
        == 200
    )
    assert HelpRequest.objects.count() == 1
    assert HelpRequest.objects.get().messages.count() == 2
    assert Sender.objects.count() == 1


@pytest.mark.django_db
def test_a_webhook_without_the_right_signature_is_refused_and_nothing_is_written(sms_channel):
    assert post_sms(sms_channel, event_id="ev-1", text="x", secret="wrong").status_code == 403
    body, headers = SmsGatewayServer.webhook(
        secret=SMS_SECRET, event_id="ev-2", phone=PHONE, text="x"
    )
    old = SmsGatewayServer.webhook(
        secret=SMS_SECRET, event_id="ev-3", phone=PHONE, text="x", timestamp=1_000_000
    )
    assert (
        Client()
        .post(
            f"/channels/hook/{sms_channel.pk}/",
            data=old[0],
            content_type="application/json",
            headers=old[1],
        )
        .status_code
        == 403
    )
    assert (
        Client()
        .post(
            f"/channels/hook/{sms_channel.pk}/",
            data=b"{not json",
            content_type="application/json",
            headers=headers,
        )
        .status_code
        == 403
    )
    assert HelpRequest.objects.count() == 0


@pytest.mark.django_db
def test_a_staff_reply_goes_back_by_sms_retried_with_backoff_and_shown_in_triage(
    sms_channel, sms_server, personas, client_for
):
    post_sms(sms_channel, event_id="ev-1", text="нужна помощь")
    delivery.run_once()  # the first reply
    request = HelpRequest.objects.get()
    sms_server.fail_next(1, 503)
    intake_actions.reply(
        actor=personas.operator, request=request, text="Мы получили, ответим сегодня"
    )
    now = timezone.now()
    step = delivery.deliver_due(now)
    assert step.retried == 1
    reply = Reply.objects.get(purpose=Reply.Purpose.STAFF)
    assert reply.status == Reply.Status.QUEUED and reply.attempts == 1
    assert reply.next_attempt_at >= now + dt.timedelta(seconds=5)
    assert "503" in reply.last_error
    page = client_for(personas.operator).get(f"/staff/intake/{request.id}/").content.decode()
    # The problem in the reader's language, never the stored form or the English line.
    assert "SMS-шлюз ответил 503" in page
    assert "the SMS gateway" not in page and "%(status)s" not in page
    assert delivery.deliver_due(now).sent == 0  # not before its time
    assert delivery.deliver_due(now + dt.timedelta(seconds=6)).sent == 1
    assert sms_server.sent[-1]["text"] == "Мы получили, ответим сегодня"
    reply.refresh_from_db()
    # The phone reports delivery: the triage page says so.
    body, headers = SmsGatewayServer.webhook(
        secret=SMS_SECRET,
        event_id="ev-9",
        event="sms:delivered",
        message_id=reply.provider_id,
        phone=PHONE,
    )
    Client().post(
        f"/channels/hook/{sms_channel.pk}/",
        data=body,
        content_type="application/json",
        headers=headers,
    )
    reply.refresh_from_db()
    assert reply.status == Reply.Status.DELIVERED


@pytest.mark.django_db
def test_a_refused_message_fails_at_once_and_stays_visible(sms_channel, sms_server, personas):
    post_sms(sms_channel, event_id="ev-1", text="нужна помощь")
    sms_server.fail_next(1, 400)
    step = delivery.run_once()
    assert step.failed == 1
    reply = Reply.objects.get()
    assert reply.status == Reply.Status.FAILED and reply.payload is None
    assert "400" in reply.last_error


@pytest.mark.django_db
def test_an_unknown_sender_writing_pomogite_gets_an_urgent_request(sms_channel, personas):
    from haven.alerts.models import Notification

    post_sms(sms_channel, event_id="ev-1", text="Помогите!")
    request = HelpRequest.objects.get()
    assert request.urgency == HelpRequest.Urgency.URGENT
    assert InboundMessage.objects.get().outcome == InboundMessage.Outcome.URGENT
    assert Notification.objects.filter(kind="urgent_request", reference=request.reference).exists()


@pytest.mark.django_db
def test_a_known_sender_writing_pomogite_raises_the_panic_escalation(sms_channel, personas):
    from haven.cases import actions as case_actions

    ring = keyring_for(personas.caseworker)
    case = case_actions.create_case(keyring=ring, risk="high")
    register_known_handle(
        keyring=ring,
        case=case,
        kind="sms",
        handle="8 900 123 45 67",
        panic_words=[],
        duress_words=["погода"],
    )
    post_sms(sms_channel, event_id="ev-1", text="Помогите!")
    incident = SafetyIncident.objects.get()
    assert incident.kind == SafetyIncident.Kind.PANIC and incident.case_id == case.pk
    assert incident.step >= 1  # its first step was sent at once
    # The personal duress word raises it silently: the same answer, a duress incident.
    post_sms(sms_channel, event_id="ev-2", text="Какая сегодня погода?")
    assert SafetyIncident.objects.filter(kind=SafetyIncident.Kind.DURESS, case=case).exists()
    assert InboundMessage.objects.filter(outcome=InboundMessage.Outcome.PANIC).count() == 2

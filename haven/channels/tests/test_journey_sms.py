"""Journey: it starts with an SMS. A woman in Grozny texts «Помогите!» to the hotline's number
(an Android phone running SMS Gateway, here its stand-in on loopback). The webhook reaches
Haven; the request is urgent at the top of triage; she gets her codename and the SMS's risk
back by SMS; the operator (real Chromium, Russian UI) sees where it came from, replies, and the
reply goes back by SMS with its delivery shown; she signs in on the portal with the codename
from the SMS and reads it there too. A second person, whose number is registered in her
watched case, texts «Помогите!»: the panic escalation reaches her caseworker.

Synthetic seed: numbers and texts invented."""

from __future__ import annotations

import re
import urllib.request

import pytest

from haven.alerts.models import Notification
from haven.cases import actions as case_actions
from haven.channels import delivery
from haven.channels.ingest import create_channel
from haven.intake import actions as intake_actions
from haven.intake.models import HelpRequest
from haven.safety.models import SafetyIncident
from haven.testing.browser import chromium_page, only_local
from haven.testing.channel_servers import SmsGatewayServer
from haven.testing.journey import portal_sign_in, staff_sign_in
from haven.testing.personas import keyring_for
from haven.vault.actions import grant_vault

SECRET = "journey-signing-key"


def _text(base: str, channel_id: object, *, event_id: str, phone: str, text: str) -> int:
    body, headers = SmsGatewayServer.webhook(
        secret=SECRET, event_id=event_id, phone=phone, text=text
    )
    request = urllib.request.Request(  # noqa: S310  (the live server on loopback)
        f"{base}/channels/hook/{channel_id}/",
        data=body,
        headers={**headers, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_sms_pomogite_reaches_triage_gets_a_reply_by_sms_and_the_portal(
    live_server, personas, sms_server
):
    base = live_server.url
    ring = keyring_for(personas.coordinator)
    intake = intake_actions.set_up_intake_vault(actor=personas.coordinator, keyring=ring)
    grant_vault(keyring=ring, vault=intake, user=personas.operator)
    channel = create_channel(
        kind="sms",
        name="hotline-sms",
        config={"base_url": sms_server.url, "login": "haven"},
        secrets={"password": "gateway-pass", "signing_key": SECRET},
    )

    assert (
        _text(
            base,
            channel.pk,
            event_id="e1",
            phone="+7 928 000-11-22",
            text="Помогите! Меня держат дома",
        )
        == 200
    )
    request = HelpRequest.objects.get()
    assert request.urgency == HelpRequest.Urgency.URGENT
    assert Notification.objects.filter(kind="urgent_request", reference=request.reference).exists()
    delivery.run_once()
    (first,) = sms_server.sent
    assert first["to"] == ["+7 928 000-11-22"]
    assert "SMS не шифруется" in first["text"]
    codename = re.search(r"кодовое имя: (.+?)\. Храните", first["text"]).group(1)  # type: ignore[union-attr]

    with chromium_page() as (page, requested):
        staff_sign_in(page, base, personas.operator)
        page.goto(f"{base}/staff/intake/")
        page.click(f"a:has-text('{request.reference}')")
        body = page.inner_text("main")
        assert "Помогите! Меня держат дома" in body
        assert "Канал: SMS" in body
        assert "Первый ответ с кодовым именем" in body and "Отправлено" in body
        page.fill("form[action$='/reply/'] textarea[name=text]", "Мы с вами. Можете говорить?")
        page.click("form[action$='/reply/'] button.primary")
        delivery.run_once()
        assert sms_server.sent[-1]["text"] == "Мы с вами. Можете говорить?"
        page.reload()
        statuses = page.inner_text("section:has-text('Канал: SMS')")
        assert statuses.count("Отправлено") == 2, statuses
        page.context.clear_cookies()

        portal_sign_in(page, base, codename)
        inbox = page.inner_text("main")
        assert "Помогите! Меня держат дома" in inbox
        assert "Мы с вами. Можете говорить?" in inbox
        assert only_local(requested) == []

    # A person under watch: her caseworker registers her number in her case on the case's
    # handles page; then «Помогите!» from it escalates.
    cw_ring = keyring_for(personas.caseworker)
    case = case_actions.create_case(keyring=cw_ring, risk="high")
    with chromium_page() as (page, requested):
        staff_sign_in(page, base, personas.caseworker)
        page.goto(f"{base}/staff/cases/{case.id}/")
        page.click("a:has-text('Зарегистрированн')")
        page.select_option("select[name=kind]", "sms")
        page.fill("input[name=handle]", "+79280003344")
        page.fill("input[name=duress_word]", "погода")
        page.click("main form:not([action]) button[type=submit]")
        listing = page.inner_text("main")
        assert "Адрес зарегистрирован." in listing and "+79280003344" in listing, listing
        assert only_local(requested) == []
    assert _text(base, channel.pk, event_id="e2", phone="8 928 000 33 44", text="ПОМОГИТЕ") == 200
    incident = SafetyIncident.objects.get(case=case)
    assert incident.kind == SafetyIncident.Kind.PANIC
    assert Notification.objects.filter(
        recipient=personas.caseworker, reference=case.reference
    ).exists()

"""The staff pages of issue 17's two capabilities that were only actions: a caseworker registers
a watched person's handle on their case (then a «Помогите!» from it escalates, a personal duress
word silently), and a coordinator edits a channel's texts and panic words (the next new sender
gets them)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from haven.audit.models import AuditEvent
from haven.cases import actions as case_actions
from haven.channels import delivery
from haven.channels.models import Channel, InboundMessage, KnownHandle
from haven.safety.models import SafetyIncident
from haven.testing.personas import keyring_for

from .test_sms import post_sms


def _case(personas):  # type: ignore[no-untyped-def]
    return case_actions.create_case(keyring=keyring_for(personas.caseworker), risk="high")


def _register(client, case, **values):  # type: ignore[no-untyped-def]
    data = {"kind": "sms", "handle": "", "panic_words": "", "duress_word": "", **values}
    return client.post(f"/staff/channels/cases/{case.id}/handles/", data)


@pytest.mark.django_db
def test_a_handle_registered_on_the_page_raises_the_panic_on_pomogite(
    sms_channel, personas, client_for
):
    case = _case(personas)
    client = client_for(personas.caseworker)
    # The case page links to the handles page.
    page = client.get(reverse("cases-detail", kwargs={"case_id": case.id}))
    assert f"/staff/channels/cases/{case.id}/handles/" in page.content.decode()

    response = _register(client, case, handle="8 (900) 123-45-67", duress_word="погода")
    assert response.status_code == 302
    known = KnownHandle.objects.get(case_id=case.pk)
    assert b"9001234567" not in bytes(known.handle or b"")  # sealed, not in the clear
    listing = client.get(f"/staff/channels/cases/{case.id}/handles/").content.decode()
    assert "8 (900) 123-45-67" in listing and "SMS" in listing
    assert AuditEvent.objects.filter(action="channel.known_handle").exists()
    assert AuditEvent.objects.filter(action="vault.open", actor_id=personas.caseworker.pk).exists()

    post_sms(sms_channel, event_id="ev-1", text="Помогите!")
    incident = SafetyIncident.objects.get()
    assert incident.kind == SafetyIncident.Kind.PANIC and incident.case_id == case.pk
    assert InboundMessage.objects.get().outcome == InboundMessage.Outcome.PANIC


@pytest.mark.django_db
def test_a_personal_duress_word_from_the_page_raises_it_silently(sms_channel, personas, client_for):
    case = _case(personas)
    client = client_for(personas.caseworker)
    _register(client, case, handle="+7 900 123 45 67", panic_words="ромашка", duress_word="погода")
    post_sms(sms_channel, event_id="ev-1", text="Какая сегодня погода?")
    incident = SafetyIncident.objects.get()
    assert incident.kind == SafetyIncident.Kind.DURESS and incident.case_id == case.pk
    # The personal panic word escalates loudly.
    post_sms(sms_channel, event_id="ev-2", text="Ромашка")
    assert SafetyIncident.objects.filter(kind=SafetyIncident.Kind.PANIC, case=case).exists()


@pytest.mark.django_db
def test_bad_handle_input_is_refused_in_words_and_shown_back(sms_channel, personas, client_for):
    case = _case(personas)
    client = client_for(personas.caseworker)
    response = _register(client, case, handle="нет номера", duress_word="x")
    assert response.status_code == 400
    body = response.content.decode()
    assert "нет номера" in body
    assert "This is not a handle of that channel." in body or "Это не адрес" in body
    assert not KnownHandle.objects.exists()
    assert _register(client, case, handle="+79001234567").status_code == 302
    again = _register(client, case, handle="89001234567")
    assert again.status_code == 400 and KnownHandle.objects.count() == 1
    same = _register(client, case, handle="+79001234568", panic_words="роза", duress_word="Роза")
    assert same.status_code == 400


@pytest.mark.django_db
def test_a_number_registered_for_one_sms_kind_is_refused_for_the_other(
    sms_channel, personas, client_for, tmp_path
):
    from haven.channels.ingest import create_channel

    # Both SMS kinds share one handle space: a number is the same person on the gateway and on
    # the modem, so it is one registration per case, not one per kind.
    create_channel(kind="gammu", name="modem", config={"spool": str(tmp_path)}, secrets={})
    case = _case(personas)
    client = client_for(personas.caseworker)
    assert _register(client, case, kind="sms", handle="+79001234567").status_code == 302

    again = _register(client, case, kind="gammu", handle="8 (900) 123-45-67")

    assert again.status_code == 400
    body = again.content.decode()
    assert "Этот адрес уже зарегистрирован в этом деле." in body
    assert 'value="8 (900) 123-45-67"' in body  # what the person typed comes back
    assert KnownHandle.objects.filter(case_id=case.pk).count() == 1
    # Another case may register the same number: the check is per case.
    other = _case(personas)
    assert _register(client, other, kind="gammu", handle="8 (900) 123-45-67").status_code == 302


@pytest.mark.django_db
def test_a_handle_is_removed_and_the_removal_audited(sms_channel, personas, client_for):
    case = _case(personas)
    client = client_for(personas.caseworker)
    _register(client, case, handle="+79001234567")
    known = KnownHandle.objects.get()
    response = client.post(f"/staff/channels/cases/{case.id}/handles/{known.pk}/remove/")
    assert response.status_code == 302 and not KnownHandle.objects.exists()
    assert AuditEvent.objects.filter(action="channel.known_handle_removed").exists()
    post_sms(sms_channel, event_id="ev-1", text="Помогите!")
    assert not SafetyIncident.objects.exists()  # an unknown sender now: an urgent request


@pytest.mark.django_db
def test_an_edited_risk_text_is_what_the_next_new_sender_receives(
    sms_channel, sms_server, personas, client_for
):
    client = client_for(personas.coordinator)
    page = client.get(f"/staff/channels/{sms_channel.pk}/texts/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    assert "%(codename)s" in data["ru_first_reply"]  # the shipped texts are prefilled
    # A first reply without the codename is refused, the typed text shown back.
    bad = client.post(
        f"/staff/channels/{sms_channel.pk}/texts/", {**data, "ru_first_reply": "Привет без кода"}
    )
    assert bad.status_code == 400 and "Привет без кода" in bad.content.decode()
    data["ru_risk"] = "СМС читает оператор связи. Сотрите это сообщение."
    data["ru_panic_words"] = "помогите\nкод-сирень"
    saved = client.post(f"/staff/channels/{sms_channel.pk}/texts/", data)
    assert saved.status_code == 302
    channel = Channel.objects.get(pk=sms_channel.pk)
    assert channel.texts == {"ru": {"risk": "СМС читает оператор связи. Сотрите это сообщение."}}
    assert channel.panic_words == {"ru": ["помогите", "код-сирень"]}
    assert AuditEvent.objects.filter(action="channel.texts").exists()

    post_sms(sms_channel, event_id="ev-1", text="Нужна помощь с выездом")
    delivery.run_once()
    (sent,) = sms_server.sent
    assert "СМС читает оператор связи. Сотрите это сообщение." in sent["text"]
    assert "SMS не шифруется" not in sent["text"]


@pytest.mark.django_db
def test_a_duress_session_sees_no_handle_and_keeps_nothing(sms_channel, personas, client_for):
    from haven.accounts.actions import set_duress_password

    case = _case(personas)
    _register(client_for(personas.caseworker), case, handle="+79001234567")
    set_duress_password(user=personas.caseworker, duress_password="the one I give them")
    coerced = client_for(personas.caseworker, "the one I give them")
    assert coerced.session.get("haven_duress")
    # The duress keyring opens no real vault: the case, and so its handles, are not there.
    page = coerced.get(f"/staff/channels/cases/{case.id}/handles/")
    assert page.status_code == 404 and "+79001234567" not in page.content.decode()
    _register(coerced, case, handle="+79005554433")
    assert KnownHandle.objects.count() == 1
    # Nor does a message go out: no reply was queued by the session.
    from haven.channels.models import Reply

    assert not Reply.objects.exists()


@pytest.mark.django_db
def test_panic_words_cannot_be_emptied_and_texts_left_as_shipped_are_not_stored(
    sms_channel, personas, client_for
):
    client = client_for(personas.coordinator)
    url = f"/staff/channels/{sms_channel.pk}/texts/"
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    bad = client.post(url, {**data, "en_panic_words": " ,\n "})
    assert bad.status_code == 400
    assert bad.context["form"].errors["en_panic_words"]
    assert Channel.objects.get(pk=sms_channel.pk).panic_words == {}
    # Saved unchanged: nothing of the channel's own, the translations keep applying.
    assert client.post(url, data).status_code == 302
    channel = Channel.objects.get(pk=sms_channel.pk)
    assert channel.texts == {} and channel.panic_words == {}

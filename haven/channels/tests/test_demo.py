from __future__ import annotations

import pytest

from haven.channels import demo
from haven.channels.models import Reply, Sender
from haven.intake.models import HelpRequest


class _Ctx:
    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        self.notes.append(text)


@pytest.mark.django_db
def test_the_demo_has_requests_from_several_channels(intake_vault) -> None:
    ctx = _Ctx()
    demo.load(ctx)
    kinds = set(Sender.objects.values_list("channel__kind", flat=True))
    assert kinds == {"sms", "gammu", "telegram", "signal", "email", "matrix"}
    assert HelpRequest.objects.count() == len(demo.MESSAGES)
    assert HelpRequest.objects.filter(urgency=HelpRequest.Urgency.URGENT).count() == 1
    assert Reply.objects.filter(purpose=Reply.Purpose.FIRST).count() == len(demo.MESSAGES)
    assert ctx.notes


@pytest.mark.django_db
def test_the_demo_watched_person_has_a_registered_sms_number(intake_vault, personas) -> None:
    from haven.cases import actions as case_actions
    from haven.channels.models import KnownHandle
    from haven.safety import actions as safety_actions
    from haven.testing.personas import keyring_for

    ring = keyring_for(personas.caseworker)
    case = case_actions.create_case(keyring=ring, risk="high")
    safety_actions.save_watch(
        actor=personas.caseworker,
        case=case,
        interval_minutes=240,
        fixed_times=[],
        time_zone="Europe/Moscow",
        grace_minutes=30,
        pin="2468",
    )

    class _WithKeyring(_Ctx):
        def keyring(self, username: str):  # type: ignore[no-untyped-def]
            return ring

    ctx = _WithKeyring()
    demo.load(ctx)
    known = KnownHandle.objects.get()
    assert known.case_id == case.pk and known.kind == "sms"
    assert ring.open(case.vault).unseal(known, "handle") == demo.WATCHED_PHONE
    assert any(demo.WATCHED_PHONE in n for n in ctx.notes)


@pytest.mark.django_db
def test_each_demo_request_shows_its_channel_and_delivery_in_words(
    intake_vault, personas, client_for
) -> None:
    from django.utils import translation

    from haven.channels import delivery
    from haven.channels.models import Kind
    from haven.testing.journey import visible_text
    from haven.testing.raw_values import find_raw_values, raw_values, text_nodes

    demo.load(_Ctx())
    delivery.run_once()  # the demo's providers are nowhere: no first reply can go
    client = client_for(personas.operator)
    raw = raw_values("ru")
    names = frozenset(u.username for u in personas.all().values())
    shown = {}
    for sender in Sender.objects.select_related("channel"):
        request = HelpRequest.objects.get(identity_id=sender.identity_id)
        page = client.get(f"/staff/intake/{request.id}/")
        assert page.status_code == 200
        html = page.content.decode()
        with translation.override("ru"):
            label = str(Kind(sender.channel.kind).label)
        text = visible_text(html)
        assert f"Канал: {label}" in text, text
        assert "Первый ответ с кодовым именем" in text
        assert find_raw_values(text_nodes(html), raw, language="ru", ignore=names) == []
        shown[sender.channel.kind] = text
    assert set(shown) == {kind for kind, *_ in demo.MESSAGES}
    # The e-mail request (what the journey in test_journey_email.py follows with a real mail
    # system): the first reply is waiting for its next attempt, with the reason in the row.
    assert "Ждёт отправки" in shown["email"] and "не удалось подключиться к SMTP" in shown["email"]

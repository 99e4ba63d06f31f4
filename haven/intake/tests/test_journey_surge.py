"""Journey: a surge on the hotline. A coordinator writes a canned reply; an urgent request
waits ten minutes unanswered and the worker alerts the operator on duty (an alert with no
content); one operator claims the request, a second one sees the claim and is stopped before
replying; the first answers with the canned reply inserted in one click (JavaScript off); the
wait ends and no further alert comes. Real Chromium, Russian UI, real sign-ins."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from haven.accounts.models import Role
from haven.alerts.models import Notification
from haven.intake import actions as intake_actions
from haven.intake.models import CannedReply, HelpRequest, Message
from haven.safety import actions as safety_actions
from haven.safety.channels import OUTBOX, seal_url
from haven.safety.models import Channel
from haven.testing.browser import chromium_page, only_local
from haven.testing.journey import (
    flash_text,
    run_worker_step,
    second_device,
    staff_sign_in,
    staff_sign_out,
)
from haven.testing.personas import keyring_for, make_staff
from haven.vault.actions import grant_vault

MSK = ZoneInfo("Europe/Moscow")
START = dt.datetime(2026, 12, 2, 23, 0, tzinfo=MSK)  # a night after the ruling
TEXT = "Пишу с телефона подруги. Дядя забрал паспорт, говорит, что завтра увезёт меня в Шали."
CONTACT = "Telegram @zarema_night"
CANNED_RU = "Здравствуйте. Мы прочитали ваше сообщение. Вы не одна: оператор на связи."
CANNED_EN = "Hello. We have read your message. You are not alone: an operator is here."


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_surge_night_two_operators_a_claim_a_canned_reply_and_a_waiting_alert(
    live_server, personas
) -> None:  # type: ignore[no-untyped-def]
    OUTBOX.clear()
    base = live_server.url
    with (
        time_machine.travel(START, tick=True) as clock,
        chromium_page() as (page, requested),
    ):
        coordinator, operator = personas.coordinator, personas.operator
        night = make_staff("night", Role.OPERATOR)
        ring = keyring_for(coordinator)
        vault = intake_actions.set_up_intake_vault(actor=coordinator, keyring=ring)
        for person in (operator, night):
            grant_vault(keyring=ring, vault=vault, user=person)
        # The night operator is on the roster and gets alerts on an (outbox) channel.
        safety_actions.add_shift(
            actor=coordinator,
            user=night,
            starts_at=START - dt.timedelta(hours=1),
            ends_at=START + dt.timedelta(hours=8),
            time_zone="Europe/Moscow",
        )
        channel = Channel(user=night, label="Signal", priority=1)
        channel.encrypted_url = seal_url(channel.id, "outbox://night")
        channel.save()

        # The coordinator writes a canned reply in both languages.
        staff_sign_in(page, base, coordinator)
        page.goto(f"{base}/staff/intake/")
        page.click("text=Готовые ответы")
        page.click("text=Новый готовый ответ")
        page.fill("input[name=title]", "Первый ответ")
        page.fill("textarea[name=text_ru]", CANNED_RU)
        page.fill("textarea[name=text_en]", CANNED_EN)
        page.click("button.primary")
        assert "Готовый ответ сохранён" in flash_text(page)
        assert CannedReply.objects.count() == 1
        staff_sign_out(page)

        # 23:00 — an urgent request arrives (the portal's own journey is the evacuation's).
        request = intake_actions.submit_request(
            text=TEXT, felt_urgency="now", contact=CONTACT, files=[], language="ru"
        ).request
        clock.shift(dt.timedelta(seconds=2))
        run_worker_step()  # the arrival's own "urgent request" alert goes out
        OUTBOX.clear()

        # Nine minutes on, nothing yet; at ten minutes unanswered the night operator is alerted.
        arrived = request.waiting_since
        assert arrived is not None
        clock.move_to(arrived + dt.timedelta(minutes=9))
        assert run_worker_step().waits_alerted == 0
        clock.move_to(arrived + dt.timedelta(minutes=10, seconds=5))
        assert run_worker_step().waits_alerted == 1
        alerts = Notification.objects.filter(kind="urgent_waiting")
        assert [a.recipient for a in alerts] == [night]
        clock.shift(dt.timedelta(seconds=2))
        run_worker_step()  # the next step sends what the previous one queued
        assert len(OUTBOX) == 1
        sent = OUTBOX[0]["title"] + "\n" + OUTBOX[0]["body"]
        assert re.search(r"— 10 min\nhttp://[^ ]+/staff/intake/[0-9a-f-]{36}/$", sent), sent
        for secret in ("Шали", "паспорт", "zarema", request.reference):
            assert secret not in sent

        # The day operator signs in: the header shows the urgent wait; they claim the request.
        staff_sign_in(page, base, operator)
        page.goto(f"{base}/staff/intake/")
        header = page.inner_text("section[aria-labelledby=queue-heading]")
        assert "Ждут ответа" in header and "Срочно" in header
        page.click(f"text={request.reference}")
        page.click("text=Занять: я отвечаю этому человеку")
        assert "Вы заняли это обращение" in flash_text(page)

        # The night operator, on their own device, sees the claim and is stopped before replying.
        other = second_device(page, requested)
        staff_sign_in(other, base, night)
        other.goto(f"{base}/staff/intake/")
        assert re.search(r"занято: op, \d+ минут", other.inner_text("main"))
        other.click(f"text={request.reference}")
        assert "Занято: op" in other.inner_text("main")
        other.fill("textarea[name=text]", "Я здесь, отвечаю вам.")
        other.click("text=Отправить ответ")
        refused = other.inner_text("main")
        assert "op занял(а) это обращение" in refused
        assert other.input_value("textarea[name=text]") == "Я здесь, отвечаю вам."
        assert not Message.objects.filter(request=request, direction="out").exists()

        # The day operator inserts the canned reply in one click (no JavaScript) and sends it.
        page.fill("textarea[name=text]", "Зарема, здравствуйте!")
        page.click("button[name=insert]:has-text('Первый ответ')")
        filled = page.input_value("textarea[name=text]")
        assert filled == f"Зарема, здравствуйте!\n\n{CANNED_RU}"
        assert not Message.objects.filter(request=request, direction="out").exists()
        page.click("text=Отправить ответ")
        assert "Ответ отправлен" in flash_text(page)
        request = HelpRequest.objects.get(pk=request.pk)
        assert request.status == "replied" and request.claimed_by is None
        assert request.waiting_since is None

        # The wait is over: hours later, no further alert.
        clock.move_to(arrived + dt.timedelta(hours=3))
        assert run_worker_step().waits_alerted == 0
        assert Notification.objects.filter(kind="urgent_waiting").count() == 1
        assert only_local(requested) == []

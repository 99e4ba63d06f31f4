"""The portal in real Chromium with JavaScript disabled, in Russian: ask for help, note the
codename, come back, read the reply; and nothing requested from anywhere but 127.0.0.1."""

from __future__ import annotations

import re

import pytest

from haven.intake import actions
from haven.intake.models import HelpRequest
from haven.testing.browser import chromium_page, only_local


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_person_asks_for_help_and_reads_the_reply_without_javascript(
    live_server, personas, intake_vault
) -> None:
    with chromium_page(javascript=False, locale="ru-RU") as (page, requested):
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(f"{live_server.url}/")
        assert "Покинуть сайт" in page.content()
        page.click("text=Попросить о помощи")
        page.fill("textarea[name=text]", "Меня ищут, нужна помощь с выездом")
        page.check("input[name=felt_urgency][value=now]")
        page.click("button.primary")
        codename = page.inner_text("p.codename").strip()
        assert len(codename.split()) == 7
        assert page.context.cookies() == []

        help_request = HelpRequest.objects.get()
        actions.reply(
            actor=personas.operator,
            request=help_request,
            text="Мы получили ваше сообщение и ответим сегодня.",
        )

        page.click("text=Я запомнил(а)")
        page.fill("input[name=codename]", codename.upper())
        page.click("text=Прочитать ответы")
        assert "/inbox/" in page.url
        assert "Мы получили ваше сообщение и ответим сегодня." in page.content()
        page.click("text=Выйти")
        assert [c["name"] for c in page.context.cookies()] == []
        assert only_local(requested) == []
        assert re.search(r"Безопасная связь", page.content())

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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_russian_chosen_under_an_english_browser_stays_russian_through_sign_in_and_writing(
    live_server, personas, intake_vault
) -> None:
    with chromium_page(javascript=False, locale="en-GB") as (page, requested):
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(f"{live_server.url}/")
        assert page.evaluate("() => document.documentElement.lang") == "en"
        page.click("text=Русский")
        page.click("text=Попросить о помощи")
        page.fill("textarea[name=text]", "Нужна помощь")
        page.click("button.primary")
        codename = page.inner_text("p.codename").strip()
        assert page.context.cookies() == []
        page.click("text=Я запомнил(а)")
        page.fill("input[name=codename]", codename)
        page.click("text=Прочитать ответы")
        assert "/inbox/" in page.url
        assert page.evaluate("() => document.documentElement.lang") == "ru"
        assert "Ваши сообщения" in page.content()
        page.fill("textarea[name=text]", "Спасибо")
        page.click("form[action^='/inbox/write/'] button.primary")
        assert page.evaluate("() => document.documentElement.lang") == "ru"
        page.goto(f"{live_server.url}/inbox/")  # a bare address
        assert page.evaluate("() => document.documentElement.lang") == "ru"
        page.click("a.button[href^='/checkin/']")
        assert page.evaluate("() => document.documentElement.lang") == "ru"
        page.click("a.panic")
        assert "Вам сейчас угрожает опасность?" in page.content()
        page.click("button.panic")
        assert "Мы получили тревогу" in page.content()
        assert only_local(requested) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_360_px_screen_panic_is_far_from_the_check_in_button(
    live_server, personas, intake_vault
) -> None:
    from haven.cases import actions as case_actions
    from haven.intake.models import PortalIdentity
    from haven.safety import actions as safety_actions
    from haven.testing.personas import keyring_for

    submission = actions.submit_request(
        text="помогите", felt_urgency="days", contact="", files=[], language="ru"
    )
    case = case_actions.create_case(keyring=keyring_for(personas.caseworker), risk="high")
    safety_actions.save_watch(
        actor=personas.caseworker,
        case=case,
        interval_minutes=720,
        fixed_times=[],
        time_zone="Europe/Moscow",
        grace_minutes=30,
        pin="2468",
    )
    PortalIdentity.objects.filter(pk=submission.request.identity_id).update(case=case)
    with chromium_page(javascript=False, locale="ru-RU") as (page, _requested):
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(f"{live_server.url}/enter/?lang=ru")
        page.fill("input[name=codename]", submission.codename or "")
        page.click("button.primary")
        for url in ("/inbox/", "/checkin/"):
            page.goto(f"{live_server.url}{url}")
            panic = page.locator("a.panic").bounding_box()
            assert panic and panic["height"] >= 44 and panic["y"] < 740, url  # seen at once
        check_in = page.locator("form.portal-checkin-form button.primary").bounding_box()
        assert check_in
        # Not side by side, not touching: the check-in button starts well below the panic one.
        gap = check_in["y"] - (panic["y"] + panic["height"])
        assert gap >= 96, gap
        assert "Следующая отметка" in page.content()

"""Helpers for browser journeys: the people of a journey each get their own browser context
(their own cookies, as on their own devices) and sign in the real way.

    with chromium_page() as (person, requested):
        operator = second_device(person, requested)
        staff_sign_in(operator, live_server.url, personas.operator)
        codename_sign_in(person, live_server.url, codename)
"""

from __future__ import annotations

from typing import Any

from haven.accounts.models import User
from haven.testing.personas import PASSWORD, current_code


def second_device(page: Any, requested: list[str], *, javascript: bool = False) -> Any:
    """A new page in a fresh context of the same browser: another person's device. Its requests
    are recorded in `requested` too, so `only_local(requested)` covers everyone."""
    context = page.context.browser.new_context(java_script_enabled=javascript, locale="ru-RU")
    context.on("request", lambda r: requested.append(r.url))
    return context.new_page()


def staff_sign_in(page: Any, base_url: str, user: User, password: str = PASSWORD) -> None:
    """Password and the current TOTP code on the real login page; lands on the staff home."""
    page.goto(f"{base_url}/staff/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.fill("input[name=otp_token]", current_code(user))
    page.click("button.primary")
    assert page.url.endswith("/staff/"), f"sign-in failed for {user.username}: {page.url}"


def codename_sign_in(page: Any, base_url: str, codename: str) -> None:
    """The person types their codename on the portal's sign-in page and reaches their inbox."""
    page.goto(f"{base_url}/enter/")
    page.fill("input[name=codename]", codename)
    page.click("main button.primary")
    assert "/inbox/" in page.url, f"codename sign-in failed: {page.url}"


def form(page: Any, action_ends_with: str) -> Any:
    """The one form on the page posting to a URL ending so: staff pages carry several forms with
    the same field names (status, user, reason)."""
    return page.locator(f"form[action$='{action_ends_with}']")


def flash(page: Any) -> str:
    """The page's messages (success or refusal) as a person reads them."""
    messages = page.locator(".messages, [role=alert], .form-errors")
    return " ".join(messages.all_inner_texts())


def visible_text(html: str) -> str:
    """What a person reads on a page: the text between the tags of <body>, without attribute
    values (CSS classes such as tag-high, option values and URLs are not shown)."""
    import re

    body = html.split("<body", 1)[-1].split(">", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())

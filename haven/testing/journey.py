"""Helpers for the end-to-end journeys (haven/*/tests/test_journey_*.py): the people involved
sign in through the real pages, with their real password and a current one-time code.

Keep each helper small and named for the one step it performs; several journeys share them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from haven.accounts.models import User
from haven.testing.personas import PASSWORD, current_code


def totp_code(user: User) -> str:
    """The code the person's authenticator app shows now (reusable within the test)."""
    return current_code(user)


def staff_sign_in(page: Any, base_url: str, user: User, password: str = PASSWORD) -> None:
    """Sign in on /staff/login/ with password and one-time code; lands on the overview."""
    page.goto(f"{base_url}/staff/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.fill("input[name=otp_token]", totp_code(user))
    page.click("button.primary")
    page.wait_for_load_state("load")
    assert page.url.endswith("/staff/"), f"{user.username} could not sign in: {page.url}"


def staff_sign_out(page: Any) -> None:
    page.click('header.topbar form button:has-text("Выйти")')
    assert "/staff/login/" in page.url, page.url


def portal_sign_in(page: Any, base_url: str, codename: str) -> None:
    """Sign in on the portal with a codename, as a person typing it from memory."""
    page.goto(f"{base_url}/enter/?lang=ru")
    page.fill("input[name=codename]", codename)
    page.click("button.primary")
    assert "/inbox/" in page.url, page.url


def run_worker_step(now: dt.datetime | None = None) -> Any:
    """One synchronous step of `haven worker` (deadlines, escalation, deliveries)."""
    from haven.safety.worker import run_once

    return run_once(now)


def flash_text(page: Any) -> str:
    """The messages shown at the top of a staff page after an action."""
    return " ".join(page.locator(".messages").all_inner_texts())


def second_device(page: Any, requested: list[str], *, javascript: bool = False) -> Any:
    """A new page in a fresh context of the same browser: another person's device, with its own
    cookies. Its requests are recorded in `requested` too, so `only_local(requested)` covers
    everyone in the journey."""
    context = page.context.browser.new_context(java_script_enabled=javascript, locale="ru-RU")
    context.on("request", lambda r: requested.append(r.url))
    return context.new_page()


def staff_workspace_text(page: Any, username: str) -> str:
    """What a person reads in the staff shell and the main area of the current page, with their
    own user name taken out: two people's pages compare equal when only the name differs."""
    text = page.inner_text("header.topbar") + "\n" + page.inner_text("main")
    return " ".join(text.replace(username, "USER").split())


def form(page: Any, action_ends_with: str) -> Any:
    """The one form on the page posting to a URL ending so: staff pages carry several forms with
    the same field names (status, user, reason)."""
    return page.locator(f"form[action$='{action_ends_with}']")


def messages_and_errors(page: Any) -> str:
    """The messages at the top of the page and every refusal next to a form, as a person reads
    them (a refused change is shown by its form, not only at the top)."""
    return " ".join(page.locator(".messages, [role=alert], .form-errors").all_inner_texts())


def visible_text(html: str) -> str:
    """What a person reads on a page: the text between the tags of <body>, without attribute
    values (CSS classes such as tag-high, option values and URLs are not shown)."""
    import re

    body = html.split("<body", 1)[-1].split(">", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())

"""Helpers for browser journeys: the people of a journey each get their own browser context
(their own cookies, as on their own devices) and sign in the real way.

Other journeys add their helpers here; keep each small and named for the one step it performs.
(`second_device`, `staff_sign_in` and `staff_sign_out` are written the same way on the other
journey branches, so that the merge keeps one copy.)
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
    """Password (or the duress password) and the current TOTP code on the real login page;
    lands on the staff home."""
    page.goto(f"{base_url}/staff/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.fill("input[name=otp_token]", current_code(user))
    page.click("button.primary")
    assert page.url.endswith("/staff/"), f"sign-in failed for {user.username}: {page.url}"


def staff_sign_out(page: Any) -> None:
    page.click('header.topbar form button:has-text("Выйти")')
    assert "/staff/login/" in page.url, page.url


def staff_workspace_text(page: Any, username: str) -> str:
    """What a person reads in the staff shell and the main area of the current page, with their
    own user name taken out: two people's pages compare equal when only the name differs."""
    text = page.inner_text("header.topbar") + "\n" + page.inner_text("main")
    return " ".join(text.replace(username, "USER").split())

"""Staff sign-in in real Chromium, JavaScript off: catches what the test client cannot
(cookies, CSRF origin checks, referrer policy)."""

from __future__ import annotations

import pytest

from haven.testing.browser import chromium_page, only_local
from haven.testing.personas import PASSWORD, current_code


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_caseworker_signs_in_and_out_in_a_real_browser_without_javascript(
    live_server, personas
) -> None:
    with chromium_page() as (page, requested):
        page.goto(f"{live_server.url}/staff/login/")
        assert "Вход для сотрудников" in page.content()
        page.fill("input[name=username]", personas.caseworker.username)
        page.fill("input[name=password]", PASSWORD)
        page.fill("input[name=otp_token]", current_code(personas.caseworker))
        page.click("button.primary")
        # The click returns once the URL changes; on a busy machine the new page's body may not
        # be there yet, and content() would read an empty document.
        page.wait_for_load_state("load")
        assert page.url.endswith("/staff/"), page.content()[:500]
        assert "Обзор" in page.content()
        cookies = {c["name"]: c for c in page.context.cookies()}
        assert cookies["haven_key"]["httpOnly"] and cookies["haven_key"]["sameSite"] == "Strict"
        page.click("text=Выйти")
        assert "/staff/login/" in page.url
        assert "haven_key" not in {c["name"] for c in page.context.cookies()}
        assert only_local(requested) == []

"""axe-core on the main staff pages, in Russian and in English, over the awkward world: no
serious or critical violation (haven.testing.browser.axe_violations)."""

from __future__ import annotations

import pytest

from haven.testing.browser import axe_violations, chromium_page
from haven.testing.personas import PASSWORD, current_code
from haven.testing.world import build_awkward_world


def _sign_in(page, base: str, user) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/staff/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=otp_token]", current_code(user))
    page.click("button.primary")
    assert page.url.endswith("/staff/"), page.url


@pytest.mark.browser
@pytest.mark.engine_independent  # axe reads the rendered pages, the same on either database
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["ru-RU", "en-US"])
def test_the_main_staff_pages_have_no_serious_accessibility_violation(
    live_server, personas, locale
) -> None:
    world = build_awkward_world(personas)
    case = world.made["case"]
    pages = {
        personas.coordinator: [
            "/staff/",
            "/staff/intake/",
            "/staff/cases/",
            f"/staff/cases/{case.pk}/",
            "/staff/watch/",
            "/staff/missing/",
            "/staff/reports/",
        ],
        personas.docofficer: ["/staff/evidence/", f"/staff/evidence/{world.made['incident'].pk}/"],
    }
    found = {}
    for user, paths in pages.items():
        with chromium_page(javascript=True, locale=locale, bypass_csp=True) as (page, _requested):
            _sign_in(page, live_server.url, user)
            for path in paths:
                response = page.goto(f"{live_server.url}{path}")
                assert response is not None and response.status == 200, path
                violations = axe_violations(page)
                if violations:
                    found[path] = violations
    assert found == {}, found

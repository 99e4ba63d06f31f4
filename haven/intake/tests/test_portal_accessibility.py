"""axe-core on every portal page, in Russian and in English: no serious or critical violation.
The pages are the ones a person meets, in the states they meet them in (errors included)."""

from __future__ import annotations

import pytest

from haven.testing.browser import axe_violations, chromium_page


def _signed_in_case(personas, identity_id) -> None:  # type: ignore[no-untyped-def]
    from haven.cases import actions as case_actions
    from haven.intake.models import PortalIdentity
    from haven.safety import actions as safety_actions
    from haven.testing.personas import keyring_for

    case = case_actions.create_case(keyring=keyring_for(personas.caseworker), risk="high")
    safety_actions.save_watch(
        actor=personas.caseworker,
        case=case,
        interval_minutes=12 * 60,
        fixed_times=[],
        time_zone="Europe/Moscow",
        grace_minutes=30,
        pin="2468",
    )
    PortalIdentity.objects.filter(pk=identity_id).update(case=case)


@pytest.mark.browser
@pytest.mark.engine_independent  # axe reads the rendered pages, the same on either database
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_portal_page_has_no_serious_or_critical_accessibility_violation(
    live_server, personas, intake_vault, settings, lang: str
) -> None:
    from haven.intake.models import HelpRequest
    from haven.vault.models import Vault

    base = live_server.url
    seen: dict[str, list[dict[str, object]]] = {}

    def check(name: str) -> None:
        assert page.evaluate("() => document.documentElement.lang") == lang, name
        seen[name] = axe_violations(page)

    with chromium_page(javascript=True, bypass_csp=True, locale="en-US") as (page, _requested):
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(f"{base}/?lang={lang}")
        check("home")
        page.goto(f"{base}/help/?lang={lang}")
        check("help")
        page.click("button.primary")  # nothing typed
        check("help with errors")
        page.fill("textarea[name=text]", "help / помогите")
        page.check("input[name=felt_urgency][value=now]")
        page.click("button.primary")
        check("codename (in danger now)")
        codename = page.inner_text("p.codename").strip()

        page.goto(f"{base}/enter/?lang={lang}")
        check("sign in")
        page.fill("input[name=codename]", " ".join(codename.split()[:5]))
        page.click("button.primary")
        check("sign in with hints")
        page.fill("input[name=codename]", codename)
        page.click("button.primary")
        assert "/inbox/" in page.url
        check("inbox")
        page.click("form[action^='/inbox/write/'] button.primary")  # empty message
        check("inbox with an error")

        page.goto(f"{base}/checkin/")
        check("check-in, nothing arranged")
        _signed_in_case(personas, HelpRequest.objects.get().identity_id)
        page.goto(f"{base}/checkin/")
        check("check-in")
        page.fill("input[name=pin]", "0000")
        page.click("form.portal-checkin-form button.primary")
        check("check-in, wrong PIN")
        page.fill("input[name=pin]", "2468")
        page.click("form.portal-checkin-form button.primary")
        check("checked in")

        page.click("a.panic")
        check("panic, confirm")
        page.click("button.panic")
        check("panic, alerted")

        page.context.clear_cookies()
        settings.HAVEN_INTAKE_NEW_CONCURRENCY = 0  # every submission slot taken
        page.goto(f"{base}/help/?lang={lang}")
        page.fill("textarea[name=text]", "help")
        # The busy page is a 503: wait for it to arrive before reading it (under load the check
        # ran while the old document was already gone and the new one not yet there).
        with page.expect_navigation():
            page.click("button.primary")
        check("busy")
        settings.HAVEN_INTAKE_NEW_CONCURRENCY = 2
        Vault.objects.filter(kind=Vault.Kind.INTAKE).update(shredded_at="2026-01-01T00:00Z")
        page.goto(f"{base}/help/?lang={lang}")
        page.fill("textarea[name=text]", "help")
        page.click("button.primary")
        check("closed")

    assert len(seen) == 16
    assert {name: found for name, found in seen.items() if found} == {}


@pytest.mark.browser
def test_the_axe_helper_reports_what_a_person_with_a_screen_reader_would_trip_over() -> None:
    with chromium_page(javascript=True, bypass_csp=True) as (page, _requested):
        page.set_content(
            '<html lang="ru"><head><title>t</title></head><body><main>'
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
            '<form><input type="text" name="codename"></form>'
            '<p style="color:#eee;background:#fff">бледный текст</p></main></body></html>'
        )
        found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label", "color-contrast"} <= found

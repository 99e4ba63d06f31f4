"""Journey 5, a coerced colleague (issue 13), in real Chromium, in Russian, JavaScript off.

A caseworker is made to sign in in front of the people holding them: they use their duress
password. They see an empty workspace, indistinguishable from a real new account's; the
coordinators are silently alerted; one coordinator suspends the account at once and asks for it
to be burned, a second coordinator approves; the exposure report then shows what the account
could have revealed, so the network knows whom to move."""

from __future__ import annotations

import pytest

from haven.accounts.actions import set_duress_password
from haven.accounts.models import Role
from haven.alerts.models import Notification
from haven.cases import actions as case_actions
from haven.cases.models import Case
from haven.testing.browser import chromium_page, only_local
from haven.testing.journey import second_device, staff_sign_in, staff_workspace_text
from haven.testing.personas import keyring_for, make_staff
from haven.vault.actions import grant_vault
from haven.vault.models import Grant

DURESS = "только для них"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_coerced_caseworker_sees_a_decoy_and_the_account_is_burned_by_two_coordinators(
    live_server, personas
) -> None:
    # The caseworker's real workspace: two cases with three people, shared with the coordinator.
    caseworker, coordinator, coordinator2 = (
        personas.caseworker,
        personas.coordinator,
        personas.coordinator2,
    )
    references = []
    for names in (["Аслан", "Зарема"], ["Салех"]):
        case = case_actions.create_case(keyring=keyring_for(caseworker), risk="high")
        for name in names:
            case_actions.save_person(
                keyring=keyring_for(caseworker), case=case, values={"given_name": name}
            )
        grant_vault(keyring=keyring_for(caseworker), vault=case.vault, user=coordinator)
        references.append(case.reference)
    set_duress_password(user=caseworker, duress_password=DURESS)
    base = live_server.url

    with chromium_page() as (coerced, requested):
        # 1. In front of the people holding them, the caseworker signs in with the duress password.
        staff_sign_in(coerced, base, caseworker, DURESS)
        decoy = staff_workspace_text(coerced, caseworker.username)
        assert "Обзор" in decoy and "Наблюдение" in decoy
        assert not any(ref in coerced.content() for ref in references)
        coerced.goto(f"{base}/staff/cases/")
        assert "Дел нет." in coerced.inner_text("main")
        assert not any(ref in coerced.content() for ref in references)
        coerced.goto(f"{base}/staff/")

        # The decoy is what a real, brand-new caseworker sees, but for the name.
        newcomer = make_staff("new.caseworker", Role.CASEWORKER)
        fresh = second_device(coerced, requested)
        staff_sign_in(fresh, base, newcomer)
        assert staff_workspace_text(fresh, newcomer.username) == decoy
        fresh.context.close()

        # 2. The coordinators are alerted, silently: an alert for each, none for the caseworker.
        alerted = set(
            Notification.objects.filter(kind="duress_login").values_list("recipient_id", flat=True)
        )
        assert alerted == {coordinator.pk, coordinator2.pk}
        assert "badge" not in coerced.content()

        # 3. The first coordinator sees the alert and suspends the account at once.
        first = second_device(coerced, requested)
        staff_sign_in(first, base, coordinator)
        assert first.locator("header.topbar .badge").inner_text() == "1"
        first.goto(f"{base}/staff/notifications/")
        assert "Вход под принуждением" in first.inner_text("main")
        first.click("main a:has-text('Открыть')")
        assert first.url.endswith(f"/staff/accounts/{caseworker.pk}/")
        first.click("button:has-text('Приостановить сейчас')")
        assert "приостановлена" in first.inner_text("main")
        # The coerced session is over: the next page is the sign-in page.
        coerced.goto(f"{base}/staff/cases/")
        assert "/staff/login/" in coerced.url

        # ...and asks for the burn, which needs a second coordinator.
        first.check("#burn input[name=confirm]")
        first.click("button:has-text('Запросить сожжение')")
        assert "второй координатор" in first.inner_text("main")
        assert Grant.objects.filter(user=caseworker).count() == 2  # nothing irreversible yet
        first.goto(f"{base}/staff/accounts/burns/")
        assert "Одобрить сожжение" not in first.content()  # not by the one who asked

        # 4. The second coordinator approves: now the account is burned.
        second = second_device(coerced, requested)
        staff_sign_in(second, base, coordinator2)
        assert "Запросы на сожжение" in second.inner_text("main")  # on their overview
        second.goto(f"{base}/staff/accounts/burns/")
        assert caseworker.username in second.inner_text("main")
        second.click("button:has-text('Одобрить сожжение')")
        assert "Учётная запись сожжена" in second.inner_text("main")
        assert not Grant.objects.filter(user=caseworker).exists()
        caseworker.refresh_from_db()
        assert caseworker.burned_at is not None

        # 5. The exposure report shows what the account could have revealed.
        second.goto(f"{base}/staff/exposure/")
        burned = second.locator("#burned-exposure")
        row = burned.locator("tr", has_text=caseworker.username).inner_text().split()
        # account, date, time, then vaults, people, hotline requests, safe houses, reports
        assert row[-5:] == ["2", "3", "0", "0", "0"], row
        assert Case.objects.filter(reference__in=references).count() == 2
        assert only_local(requested) == []

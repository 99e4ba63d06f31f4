"""Journey: a referral to a partner that has no Haven, by file, through the real pages in Russian.
The coordinator makes the exchange keys, adds the partner to the directory, records the person's
consent, asks to refer him with his name; the second coordinator approves; the first sends and
downloads the package; the partner's answer comes back as a file and shows on the case. Then a
referral the partner sends us is uploaded, read and accepted: a new case opens. Real Chromium,
real sign-in; the partner's side is played with keys the test holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from haven.cases import actions as case_actions
from haven.cases.models import Case, Person
from haven.partners import package as pkg
from haven.partners.models import IncomingReferral, Referral
from haven.partners.tests.conftest import other_organisation
from haven.testing.browser import chromium_page, only_local
from haven.testing.journey import flash_text, form, staff_sign_in, staff_sign_out
from haven.testing.personas import keyring_for

pytestmark = [pytest.mark.browser, pytest.mark.journey, pytest.mark.django_db(transaction=True)]


def test_a_referral_by_file_from_consent_to_the_partners_answer_and_one_received(  # type: ignore[no-untyped-def]
    live_server, personas, tmp_path: Path
) -> None:
    base = live_server.url
    partner_org = other_organisation()
    ring = keyring_for(personas.coordinator)
    case = case_actions.create_case(keyring=ring, risk="high")
    person = case_actions.save_person(
        keyring=ring, case=case, values={"given_name": "Ахмед", "languages": ["ru"]}
    )
    case_actions.assign(keyring=ring, case=case, user=personas.coordinator2)

    with chromium_page() as (page, requested):
        staff_sign_in(page, base, personas.coordinator)
        page.click("nav >> text=Партнёры")
        page.click("text=Справочник партнёров и ключи")
        page.click("button:has-text('Создать ключи обмена')")
        assert "Ключи обмена созданы" in flash_text(page)
        page.click("text=Добавить организацию")
        page.fill("input[name=name]", "Северный мост (вымышленная)")
        page.fill("input[name=countries]", "ca, nl")
        page.fill("input[name=age_recipient]", partner_org.age_recipient)
        page.fill("input[name=verify_key]", partner_org.verify_key)
        page.click("button.primary:has-text('Сохранить')")
        assert "Справочник сохранён" in flash_text(page)

        page.goto(f"{base}/staff/cases/{case.id}/")
        page.click("text=Согласия, направления и передачи")
        consent = form(page, "/consent/")
        consent.locator("select[name=person]").select_option(str(person.id))
        consent.locator("select[name=purpose]").select_option("referral")
        consent.locator("input[name=given_on]").fill(timezone.localdate().isoformat())
        consent.locator("textarea[name=how]").fill("По телефону, подтвердил в Signal.")
        consent.locator("button").click()
        assert "Согласие записано" in flash_text(page)

        page.click("text=Направить или передать партнёру")
        page.check(f"input[name=people][value='{person.id}']")
        page.check("input[name=shared_fields][value=given_name]")
        page.check("input[name=shared_fields][value=languages]")
        page.fill("textarea[name=message]", "Есть ли место весной?")
        page.click("button.primary:has-text('Продолжить')")
        assert "второй координатор" in flash_text(page)
        referral = Referral.objects.get()
        assert referral.status == Referral.Status.AWAITING_APPROVAL
        staff_sign_out(page)

        staff_sign_in(page, base, personas.coordinator2)
        page.goto(f"{base}/staff/cases/approvals/")
        page.click("button[name=decision][value=approve]")
        staff_sign_out(page)

        staff_sign_in(page, base, personas.coordinator)
        page.goto(f"{base}/staff/partners/sent/{referral.id}/")
        page.click("button.primary:has-text('Отправить')")
        assert "Отправлено" in flash_text(page)
        with page.expect_download() as download:
            page.click("text=Скачать")
        sent = pkg.parse(Path(download.value.path()).read_bytes())
        content = pkg.open_sealed(sent, partner_org.age_identity)
        assert content["people"][0]["fields"] == {"given_name": "Ахмед", "languages": ["ru"]}

        # The partner answers by file; the coordinator uploads it.
        from haven.partners.actions import current_keys

        keys = current_keys()
        assert keys is not None
        answer = partner_org.package(
            to=keys.age_recipient,
            type="answer",
            content={"reason": "Место есть."},
            code="accepted",
            in_reply_to=str(referral.id),
        )
        answer_file = tmp_path / "answer.json"
        answer_file.write_bytes(answer.to_bytes())
        page.click("nav >> text=Партнёры")
        page.set_input_files("input[name=package]", str(answer_file))
        page.click("button:has-text('Принять файл')")
        assert "Пакет получен" in flash_text(page)
        # The same file again is refused, with words.
        page.set_input_files("input[name=package]", str(answer_file))
        page.click("button:has-text('Принять файл')")
        assert "уже был получен" in page.content()

        page.goto(f"{base}/staff/cases/{case.id}/")
        assert "Северный мост (вымышленная)" in page.content() and "Принято" in page.content()
        page.goto(f"{base}/staff/partners/sent/{referral.id}/")
        assert "Место есть." in page.content()

        # A referral the partner sends us.
        incoming = partner_org.package(
            to=keys.age_recipient,
            type="referral",
            code="referral",
            content={
                "their_reference": "NB-17",
                "case": {"risk": "critical"},
                "people": [{"fields": {"given_name": "Ибрагим"}, "consent": None}],
                "message": "Ему нужен безопасный дом.",
            },
        )
        incoming_file = tmp_path / "incoming.json"
        incoming_file.write_bytes(incoming.to_bytes())
        page.click("nav >> text=Партнёры")
        page.set_input_files("input[name=package]", str(incoming_file))
        page.click("button:has-text('Принять файл')")
        row = IncomingReferral.objects.get()
        page.goto(f"{base}/staff/partners/received/{row.id}/")
        assert "Ибрагим" in page.content() and "Ему нужен безопасный дом." in page.content()
        page.select_option("select[name=decision]", "accept")
        page.click("button.primary:has-text('Ответить')")
        assert "открыто новое дело" in flash_text(page)
        opened = Case.objects.exclude(pk=case.id).get()
        assert "/staff/cases/" in page.url and str(opened.id) in page.url
        assert Person.objects.filter(case=opened).count() == 1
        assert only_local(requested) == []

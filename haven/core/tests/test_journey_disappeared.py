"""Journey 3, the disappeared: Zelim (Zelimkhan) Bakaev, the singer who vanished in Grozny in
August 2017 after coming home for his sister's wedding — a public case. A relative's report is
entered in the registry by the documentation officer; a partner's PFIF 1.4 file with the same man
in Latin script is imported; a friend abroad writes to the hotline naming him "Zelimkhan Bakaev";
the registry finds both; people decide, with a reason, in the browser; each link shows on both
records. Real Chromium, Russian UI, real sign-in. Reporter and contact details are invented."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from haven.intake import actions as intake_actions
from haven.intake.models import HelpRequest
from haven.missing import actions as missing_actions
from haven.missing.models import MatchCandidate, MissingPersonReport, ReportLink
from haven.testing.browser import chromium_page, only_local
from haven.testing.journey import flash_text, staff_sign_in, staff_sign_out, totp_code
from haven.testing.personas import PASSWORD, keyring_for
from haven.vault import blind_index
from haven.vault.actions import grant_vault

PARTNER_FILE = """<?xml version="1.0" encoding="UTF-8"?>
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">
<pfif:person>
<pfif:person_record_id>partner.example/zb-2017</pfif:person_record_id>
<pfif:entry_date>2017-09-01T10:00:00Z</pfif:entry_date>
<pfif:author_name>Partner documentation desk</pfif:author_name>
<pfif:source_date>2017-09-01T09:00:00Z</pfif:source_date>
<pfif:full_name>Zelimkhan Bakaev</pfif:full_name>
<pfif:alternate_names>Zelim Bakayev</pfif:alternate_names>
<pfif:sex>male</pfif:sex>
<pfif:home_city>Grozny</pfif:home_city>
<pfif:note>
<pfif:note_record_id>partner.example/zb-2017-n1</pfif:note_record_id>
<pfif:entry_date>2017-09-01T10:00:00Z</pfif:entry_date>
<pfif:author_name>Partner documentation desk</pfif:author_name>
<pfif:source_date>2017-09-01T09:00:00Z</pfif:source_date>
<pfif:status>information_sought</pfif:status>
<pfif:text>Last seen in Grozny on 8 August 2017, three days after arriving for a family wedding.</pfif:text>
</pfif:note>
</pfif:person>
</pfif:pfif>
"""

FRIEND_WRITES = (
    "I am writing from Berlin. My friend Zelimkhan Bakaev never came back to Moscow after his "
    "sister's wedding in Grozny. His family is afraid to ask. Is anyone looking for him?"
)


def _seed_the_network(personas) -> None:  # type: ignore[no-untyped-def]
    """The intake vault (coordinator and operator), the name search and the registry (the
    coordinator and the documentation officer hold both)."""
    ring = keyring_for(personas.coordinator)
    intake = intake_actions.set_up_intake_vault(actor=personas.coordinator, keyring=ring)
    grant_vault(keyring=ring, vault=intake, user=personas.operator)
    blind_index.set_up_index_vault(
        actor=personas.coordinator, keyring=ring, members=[personas.docofficer]
    )
    missing_actions.set_up_registry(keyring=ring, members=[personas.docofficer])


def _import_partner_file(path, user, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    """`haven pfif import FILE --user NAME`, with the password and code a script would give."""
    monkeypatch.setenv("HAVEN_PASSWORD", PASSWORD)
    monkeypatch.setenv("HAVEN_OTP", totp_code(user))
    out = io.StringIO()
    call_command("pfif", "import", str(path), "--user", user.username, stdout=out)
    return out.getvalue()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_disappeared_from_a_relatives_report_to_linked_records_across_scripts(
    live_server, personas, tmp_path, monkeypatch, settings
) -> None:
    settings.HAVEN_ADMISSION_DIR = str(tmp_path / "admission")
    base = live_server.url
    _seed_the_network(personas)
    with chromium_page() as (page, requested):
        # The documentation officer types in what the aunt told them.
        staff_sign_in(page, base, personas.docofficer)
        page.click("nav >> text=Пропавшие")
        page.click("text=Новое сообщение")
        page.fill("input[name=given_name]", "Зелимхан")
        page.fill("input[name=family_name]", "Бакаев")
        page.fill("textarea[name=alternate_names]", "Зелим Бакаев")
        page.select_option("select[name=sex]", "male")
        page.fill("input[name=home_place]", "Грозный")
        page.fill("input[name=last_seen_place]", "Грозный")
        page.fill("input[name=last_seen_date]", "2017-08-08")
        page.fill(
            "textarea[name=circumstances]",
            "Приехал из Москвы на свадьбу сестры; после 8 августа о нём ничего не известно.",
        )
        page.fill("input[name=reporter_name]", "Родственница (вымышлено)")
        page.fill("input[name=reporter_relation]", "тётя")
        page.select_option("select[name=source_kind]", "family")
        page.click("button.primary:has-text('Сохранить')")
        ours = MissingPersonReport.objects.get()
        assert f"Сообщение {ours.reference} сохранено." in flash_text(page)
        assert "Зелимхан" in page.inner_text("main")

        # The partner's file arrives and is imported from the command line.
        partner_file = tmp_path / "partner.xml"
        partner_file.write_text(PARTNER_FILE, encoding="utf-8")
        output = _import_partner_file(partner_file, personas.docofficer, monkeypatch)
        assert "persons: 1 new" in output and "notes: 1 new" in output
        theirs = MissingPersonReport.objects.get(record_id="partner.example/zb-2017")

        # The registry suggests that the two reports are one man; the officer compares, decides.
        page.click("nav >> text=Пропавшие")
        page.click("text=Возможные совпадения")
        row = page.locator(f"tr:has-text('{theirs.reference}')")
        assert ours.reference in row.inner_text()
        row.locator("text=Сравнить").click()
        compare = page.inner_text("main")
        assert "Zelimkhan Bakaev" in compare and "Зелимхан Бакаев" in compare
        page.check("input[name=decision][value=confirmed]")
        page.fill("textarea[name=reason]", "Тот же человек: Грозный, август 2017, свадьба сестры.")
        page.click("button.primary:has-text('Решить')")
        assert "Возможные совпадения" in page.inner_text("h1")
        link = ReportLink.objects.get()
        assert {link.report_a_id, link.report_b_id} == {ours.id, theirs.id}
        for report, other in ((ours, theirs), (theirs, ours)):
            page.goto(f"{base}/staff/missing/{report.id}/")
            links = page.inner_text("main")
            assert other.reference in links and "свадьба сестры" in links
        staff_sign_out(page)

        # A friend abroad writes to the hotline (no account, no JavaScript, no cookie).
        page.goto(f"{base}/?lang=ru")
        page.click("text=Попросить о помощи")
        page.fill("textarea[name=text]", FRIEND_WRITES)
        page.check("input[name=felt_urgency][value=days]")
        page.click("button.primary")
        assert len(page.inner_text("p.codename").split()) >= 7
        help_request = HelpRequest.objects.get()
        page.context.clear_cookies()

        # The coordinator opens the request: the registry finds the name in the Latin text.
        staff_sign_in(page, base, personas.coordinator)
        page.click("nav >> text=Обращения")
        page.click(f"text={help_request.reference}")
        found = page.inner_text("section:has(h2:has-text('Реестр пропавших'))")
        # Both: the partner's Latin record, and the aunt's Cyrillic one (across scripts).
        assert ours.reference in found and theirs.reference in found
        candidates = MatchCandidate.objects.filter(help_request=help_request)
        assert {c.report_id for c in candidates} == {ours.id, theirs.id}
        candidate = candidates.get(report=ours)
        page.click(f"a[href='/staff/missing/matches/{candidate.id}/']")
        compare = page.inner_text("main")
        assert "Zelimkhan Bakaev" in compare
        page.check("input[name=decision][value=confirmed]")
        page.fill(
            "textarea[name=reason]",
            "Друг называет его имя латиницей, Грозный и свадьба сестры совпадают.",
        )
        page.click("button.primary:has-text('Решить')")
        assert "Связаны как один и тот же человек." in flash_text(page)
        candidate.refresh_from_db()
        assert candidate.decision == MatchCandidate.Decision.CONFIRMED
        assert candidate.decided_by == personas.coordinator

        # The link shows on both sides: on the request and on the report.
        page.goto(f"{base}/staff/intake/{help_request.id}/")
        request_side = page.inner_text("section:has(h2:has-text('Реестр пропавших'))")
        assert candidate.report.reference in request_side and "Тот же человек" in request_side
        page.goto(f"{base}/staff/missing/{candidate.report_id}/")
        report_side = page.inner_text("main")
        assert help_request.reference in report_side
        assert "латиницей" in report_side  # the reason, for whoever reads the report next
        staff_sign_out(page)
        assert only_local(requested) == []

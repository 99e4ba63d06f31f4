"""Journey: a partner's PFIF 1.3 file, notes at the top level (as a note feed delivers them), is
imported by a coordinator in the browser; the people and their notes are in the registry, a note
about someone the partner has not sent yet waits; the registry is exported as PFIF 1.4 after a
second coordinator approves, and the file reads back. Real Chromium, Russian UI, JavaScript off.
Every name is invented."""

from __future__ import annotations

import pytest

from haven.cases.approvals import approve
from haven.cases.models import ApprovalRequest
from haven.missing import actions as missing_actions
from haven.missing import pfif
from haven.missing.models import HeldNote, MissingPersonReport, StatusNote
from haven.testing.browser import chromium_page, only_local
from haven.testing.journey import flash_text, staff_sign_in, staff_sign_out
from haven.testing.personas import keyring_for
from haven.vault import blind_index

PARTNER_13 = """<?xml version="1.0" encoding="UTF-8"?>
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.3">
<pfif:person>
<pfif:person_record_id>partner.example/ai-1</pfif:person_record_id>
<pfif:entry_date>2026-10-05T10:00:00Z</pfif:entry_date>
<pfif:author_name>Partner documentation desk</pfif:author_name>
<pfif:source_date>2026-10-05T09:00:00Z</pfif:source_date>
<pfif:full_name>Aslan Isaev</pfif:full_name>
<pfif:first_name>Aslan</pfif:first_name>
<pfif:last_name>Isaev</pfif:last_name>
<pfif:sex>male</pfif:sex>
<pfif:home_city>Argun</pfif:home_city>
<pfif:other>description: Works at a car wash; left his phone at home.</pfif:other>
</pfif:person>
<pfif:person>
<pfif:person_record_id>partner.example/tu-2</pfif:person_record_id>
<pfif:entry_date>2026-10-06T10:00:00Z</pfif:entry_date>
<pfif:author_name>Partner documentation desk</pfif:author_name>
<pfif:source_date>2026-10-06T09:00:00Z</pfif:source_date>
<pfif:full_name>Тимур Умаров</pfif:full_name>
</pfif:person>
<pfif:note>
<pfif:note_record_id>partner.example/ai-1-n1</pfif:note_record_id>
<pfif:person_record_id>partner.example/ai-1</pfif:person_record_id>
<pfif:entry_date>2026-10-07T10:00:00Z</pfif:entry_date>
<pfif:author_name>Partner documentation desk</pfif:author_name>
<pfif:source_date>2026-10-07T09:00:00Z</pfif:source_date>
<pfif:found>false</pfif:found>
<pfif:status>believed_missing</pfif:status>
<pfif:last_known_location>Argun, the market</pfif:last_known_location>
<pfif:text>Taken from the car wash by men in uniform.</pfif:text>
</pfif:note>
<pfif:note>
<pfif:note_record_id>partner.example/tu-2-n1</pfif:note_record_id>
<pfif:person_record_id>partner.example/tu-2</pfif:person_record_id>
<pfif:entry_date>2026-10-08T10:00:00Z</pfif:entry_date>
<pfif:author_name>Partner documentation desk</pfif:author_name>
<pfif:source_date>2026-10-08T09:00:00Z</pfif:source_date>
<pfif:found>true</pfif:found>
<pfif:status>believed_alive</pfif:status>
<pfif:text>Called his mother from Makhachkala.</pfif:text>
</pfif:note>
<pfif:note>
<pfif:note_record_id>partner.example/xx-3-n1</pfif:note_record_id>
<pfif:person_record_id>partner.example/xx-3</pfif:person_record_id>
<pfif:entry_date>2026-10-09T10:00:00Z</pfif:entry_date>
<pfif:author_name>Partner documentation desk</pfif:author_name>
<pfif:source_date>2026-10-09T09:00:00Z</pfif:source_date>
<pfif:text>A record of this person follows in the next file.</pfif:text>
</pfif:note>
</pfif:pfif>
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_coordinator_imports_a_partners_pfif_1_3_file_and_exports_1_4(
    live_server, personas, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    ring = keyring_for(personas.coordinator)
    blind_index.set_up_index_vault(actor=personas.coordinator, keyring=ring, members=[])
    registry = missing_actions.set_up_registry(keyring=ring, members=[personas.coordinator2])
    partner_file = tmp_path / "partner-feed.xml"
    partner_file.write_text(PARTNER_13, encoding="utf-8")
    with chromium_page() as (page, requested):
        staff_sign_in(page, base, personas.coordinator)
        page.click("nav >> text=Пропавшие")
        page.click("text=Импортировать файл PFIF")
        page.set_input_files("input[name=file]", str(partner_file))
        page.click("button.primary:has-text('Импортировать')")
        flash = flash_text(page)
        assert "PFIF 1.3 импортирован" in flash
        assert "новых — 2" in flash and "ждут записи о человеке — 1" in flash
        listing = page.inner_text("main")
        assert "Aslan Isaev" in listing and "Тимур Умаров" in listing
        aslan = MissingPersonReport.objects.get(record_id="partner.example/ai-1")
        assert aslan.status == "information_sought"
        assert MissingPersonReport.objects.get(record_id="partner.example/tu-2").status == (
            "believed_alive"
        )
        assert HeldNote.objects.get().waiting_for == "partner.example/xx-3"

        # The notes are on the person, with where he was last known to be.
        page.click(f"text={aslan.reference}")
        detail = page.inner_text("main")
        assert "Taken from the car wash by men in uniform." in detail
        assert "Argun, the market" in detail
        assert "Works at a car wash; left his phone at home." in detail

        # An export of identified data: asked for here, approved by a second coordinator.
        page.click("nav >> text=Пропавшие")
        page.click("summary:has-text('Выгрузить реестр')")
        page.fill("textarea[name=reason]", "Обмен с партнёрской группой по соглашению.")
        page.click("button:has-text('Запросить одобрение')")
        asked = ApprovalRequest.objects.get(kind=ApprovalRequest.Kind.EXPORT_IDENTIFIED)
        approve(keyring=keyring_for(personas.coordinator2), approval=asked)
        page.click("summary:has-text('Выгрузить реестр')")
        page.select_option("select[name=notes]", "top-level")
        with page.expect_download() as download:
            page.click("button:has-text('Скачать PFIF 1.4')")
        exported = tmp_path / "exported.xml"
        download.value.save_as(str(exported))
        staff_sign_out(page)
        assert only_local(requested) == []

    data = exported.read_bytes()
    assert b'xmlns:pfif="http://zesty.ca/pfif/1.4"' in data
    with open(exported, "rb") as stream:
        checked = pfif.check(stream)
    assert (checked.version, checked.persons, checked.top_level_notes) == ("1.4", 2, 2)
    assert b"<pfif:author_made_contact>true</pfif:author_made_contact>" in data
    assert b"<pfif:expiry_date>" in data
    asked.refresh_from_db()
    assert asked.executed_at is not None
    # The exported file, imported into an empty registry, gives the same people and notes.
    before = sorted(StatusNote.objects.values_list("record_id", "status"))
    StatusNote.objects.all().delete()
    MissingPersonReport.objects.all().delete()
    result = pfif.import_pfif(keyring=ring, data=data)
    assert (result.persons_created, result.notes_created) == (2, 2)
    assert sorted(StatusNote.objects.values_list("record_id", "status")) == before
    assert registry.pk == missing_actions.registry_vault().pk  # type: ignore[union-attr]

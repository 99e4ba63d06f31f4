"""The registry: sealed reports, status history, reciprocal and reversible links."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from haven.cases import actions as case_actions
from haven.missing import actions
from haven.missing.errors import MissingError
from haven.missing.models import CaseLink, MissingPersonReport, ReportLink
from haven.testing.personas import keyring_for
from haven.vault import blind_index

DAY = datetime.timedelta(days=1)


@pytest.mark.django_db
def test_identifying_fields_are_sealed_and_open_for_holders_only(personas, report) -> None:  # type: ignore[no-untyped-def]
    row = MissingPersonReport.objects.get(pk=report.pk)
    assert b"\xd0\xa5\xd0\xb0\xd1\x81\xd0\xb0\xd0\xbd" not in bytes(row.given_name)  # "Хасан"
    assert keyring_for(personas.caseworker).reader(row).family_name == "Абдулаев"
    for outsider in (personas.lawyer, personas.admin, personas.outsider):
        ring = keyring_for(outsider)
        assert not ring.visible(MissingPersonReport.objects.all()).exists()
        assert ring.reader(row).family_name is None
    assert row.record_id == f"haven.invalid/{row.reference}"


@pytest.mark.django_db
def test_current_status_is_the_newest_notes_by_the_date_of_the_information(
    personas, doc_ring, report
) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    assert report.status == "information_sought"
    actions.add_note(keyring=doc_ring, report=report, status="detained", source_date=now - 10 * DAY)
    actions.add_note(keyring=doc_ring, report=report, status="in_hiding", source_date=now - 2 * DAY)
    # Older information entered later does not override newer information.
    actions.add_note(
        keyring=doc_ring, report=report, status="believed_dead", source_date=now - 30 * DAY
    )
    actions.add_note(keyring=doc_ring, report=report, text="Звонила сестра, без новостей.")
    report.refresh_from_db()
    assert report.status == "in_hiding"
    assert report.notes.count() == 4
    actions.add_note(keyring=doc_ring, report=report, status="found_safe")
    report.refresh_from_db()
    assert report.status == "found_safe"


@pytest.mark.django_db
def test_a_note_needs_a_status_or_text_and_no_future_date(doc_ring, report) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MissingError):
        actions.add_note(keyring=doc_ring, report=report, text="   ")
    with pytest.raises(MissingError):
        actions.add_note(keyring=doc_ring, report=report, status="no_such_status")
    with pytest.raises(MissingError):
        actions.add_note(
            keyring=doc_ring,
            report=report,
            status="detained",
            source_date=timezone.now() + 5 * DAY,
        )
    assert report.notes.count() == 0


@pytest.mark.django_db
def test_links_are_reciprocal_reversible_and_never_merge(personas, doc_ring, report) -> None:  # type: ignore[no-untyped-def]
    other = actions.save_report(keyring=doc_ring, values={"full_name": "Khasan Abdulayev"})
    link = actions.link_reports(keyring=doc_ring, report=report, other=other, reason="same mother")
    assert actions.active_report_links(report).get() == link
    assert actions.active_report_links(other).get() == link  # shown on both
    with pytest.raises(MissingError):
        actions.link_reports(keyring=doc_ring, report=other, other=report, reason="again")
    with pytest.raises(MissingError):
        actions.link_reports(keyring=doc_ring, report=report, other=report, reason="self")
    with pytest.raises(MissingError):
        actions.unlink_reports(keyring=doc_ring, link=link, reason=" ")
    actions.unlink_reports(keyring=doc_ring, link=link, reason="different birth year")
    link.refresh_from_db()
    assert link.unlinked_by == personas.docofficer and link.unlinked_at is not None
    assert keyring_for(personas.caseworker).reader(link).unlink_reason == "different birth year"
    assert not actions.active_report_links(report).exists()
    assert (
        MissingPersonReport.objects.count() == 2 and ReportLink.objects.count() == 1
    )  # history kept
    # Linking again after an undo is allowed.
    actions.link_reports(keyring=doc_ring, report=report, other=other, reason="new evidence")


@pytest.mark.django_db
def test_a_case_link_needs_both_keys(personas, doc_ring, report) -> None:  # type: ignore[no-untyped-def]
    cw = keyring_for(personas.caseworker)
    case = case_actions.create_case(keyring=cw, risk="high")
    with pytest.raises(MissingError):
        actions.link_case(keyring=doc_ring, report=report, case=case, reason="the same")
    link = actions.link_case(keyring=cw, report=report, case=case, reason="the same")
    assert CaseLink.objects.get() == link
    with pytest.raises(MissingError):
        actions.link_case(keyring=cw, report=report, case=case, reason="again")
    actions.unlink_case(keyring=cw, link=link, reason="wrong")
    assert CaseLink.objects.get().unlinked_at is not None


@pytest.mark.django_db
def test_someone_without_the_registry_cannot_write_to_it(personas, registry) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MissingError):
        actions.save_report(keyring=keyring_for(personas.lawyer), values={"full_name": "X Y"})
    assert not MissingPersonReport.objects.exists()


@pytest.mark.django_db
def test_a_report_saved_without_the_index_key_waits_to_be_indexed(personas, registry) -> None:  # type: ignore[no-untyped-def]
    from haven.vault.actions import revoke_grant

    revoke_grant(actor=None, vault=blind_index.index_vault(), user=personas.docofficer)
    made = actions.save_report(
        keyring=keyring_for(personas.docofficer), values={"full_name": "Лёма Дакаев"}
    )
    assert made.name_indexed is False
    assert actions.index_pending_reports(keyring=keyring_for(personas.caseworker)) == 1
    made.refresh_from_db()
    assert made.name_indexed is True and made.index_entries.exists()


@pytest.mark.django_db
def test_registry_reports_count_in_the_exposure_report_and_the_statistics(
    personas, doc_ring, settings
) -> None:  # type: ignore[no-untyped-def]
    from haven.cases.exposure import exposure_report
    from haven.reports.figures import Period, missing_by_status

    made = [
        actions.save_report(
            keyring=doc_ring, values={"full_name": f"Имя{i} Фамилия{i}"}, match=False
        )
        for i in range(7)
    ]
    for report in made[:3]:
        actions.add_note(keyring=doc_ring, report=report, status="detained")
    rows = {r.username: r for r in exposure_report()}
    assert rows[personas.docofficer.username].registry_reports == 7
    assert rows[personas.lawyer.username].registry_reports == 0
    settings.HAVEN_REPORT_K = 3
    table = dict(missing_by_status(Period()).table.rows())
    assert table["information_sought"].value == 4 and table["detained"].value == 3
    assert table["found_dead"].value == 0
    settings.HAVEN_REPORT_K = 5
    suppressed = dict(missing_by_status(Period()).table.rows())
    assert suppressed["detained"].suppressed and suppressed["information_sought"].suppressed

"""Registry pages: the flows a documentation officer and a caseworker use, bad input, leaks."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from haven.cases import actions as case_actions
from haven.missing import actions
from haven.missing.models import MatchCandidate, MissingPersonReport, ReportLink, StatusNote
from haven.testing.leakscan import Markers, assert_no_leaks
from haven.testing.personas import keyring_for


def _png_with_exif() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (8, 8), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "CameraMakerSecret"  # Make
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.django_db
def test_a_report_is_created_found_by_name_in_another_script_and_noted(
    personas, client_for, registry
) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(personas.docofficer)
    response = client.post(
        "/staff/missing/new/",
        {
            "given_name": "Зелимхан",
            "family_name": "Магомадов",
            "source_kind": "family",
            "reliability": "probable",
            "last_seen_place": "Грозный",
            "last_seen_date": "2026-09-01",
            "photo": SimpleUploadedFile("p.jpg", _png_with_exif(), content_type="image/jpeg"),
        },
    )
    assert response.status_code == 302, response.content[:500]
    report = MissingPersonReport.objects.get()
    photo = keyring_for(personas.docofficer).reader(report).photo
    assert photo and b"CameraMakerSecret" not in photo  # metadata stripped
    page = client.get("/staff/missing/", {"q": "Selimchan Magomadow"})
    assert report.reference in page.content.decode()
    assert report.reference not in client.get("/staff/missing/", {"q": "Ахмед"}).content.decode()
    detail = client.get(f"/staff/missing/{report.id}/")
    assert "Зелимхан" in detail.content.decode()
    response = client.post(
        f"/staff/missing/{report.id}/notes/",
        {"status": "in_hiding", "text": "Вышел на связь", "source_date": "2026-10-01"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "in_hiding"


@pytest.mark.django_db
def test_bad_input_is_explained_and_what_was_typed_is_kept(personas, client_for, report) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.docofficer)
    response = client.post(
        "/staff/missing/new/",
        {
            "description": "Шрам над бровью",
            "age": "about thirty",
            "source_kind": "family",
            "reliability": "unknown",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Шрам над бровью" in body and "about thirty" in body
    assert MissingPersonReport.objects.count() == 1
    # Not a picture.
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/staff/missing/new/",
        {
            "full_name": "Иван Петров",
            "source_kind": "family",
            "reliability": "unknown",
            "photo": SimpleUploadedFile(
                "p.jpg", b"<html><script>x</script>", content_type="image/jpeg"
            ),
        },
    )
    assert response.status_code == 400 and "Иван Петров" in response.content.decode()
    # A note with nothing in it, a future date; a link to nothing; an unlink without reason.
    notes_before = StatusNote.objects.count()
    response = client.post(f"/staff/missing/{report.id}/notes/", {"status": "", "text": " "})
    assert response.status_code == 400
    response = client.post(
        f"/staff/missing/{report.id}/notes/",
        {"status": "detained", "source_date": "2999-01-01", "text": "Слух"},
    )
    assert response.status_code == 400 and "Слух" in response.content.decode()
    assert StatusNote.objects.count() == notes_before
    response = client.post(
        f"/staff/missing/{report.id}/link/", {"reference": "MP-NOTHERE", "reason": "тот же"}
    )
    assert response.status_code == 400 and "MP-NOTHERE" in response.content.decode()
    response = client.post(
        f"/staff/missing/{report.id}/link/", {"reference": "XX-1", "reason": "тот же"}
    )
    assert response.status_code == 400
    response = client.post(
        f"/staff/missing/{report.id}/unlink/", {"link": "nonsense", "kind": "report"}
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_a_suggestion_is_compared_side_by_side_and_confirmed_into_a_link(
    personas, client_for, doc_ring, report
) -> None:  # type: ignore[no-untyped-def]
    other = actions.save_report(
        keyring=doc_ring, values={"full_name": "Khasan Abdulayev", "birth": {"year": 1996}}
    )
    candidate = MatchCandidate.objects.get()
    client = client_for(personas.docofficer)
    listing = client.get("/staff/missing/matches/").content.decode()
    assert report.reference in listing and other.reference in listing
    page = client.get(f"/staff/missing/matches/{candidate.id}/").content.decode()
    assert "Абдулаев" in page and "Khasan Abdulayev" in page
    response = client.post(
        f"/staff/missing/matches/{candidate.id}/", {"decision": "confirmed", "reason": ""}
    )
    assert response.status_code == 400 and not ReportLink.objects.exists()
    response = client.post(
        f"/staff/missing/matches/{candidate.id}/",
        {"decision": "confirmed", "reason": "Мать узнала фото"},
    )
    assert response.status_code == 302
    link = ReportLink.objects.get()
    # Shown on both reports, and undone from either.
    assert report.reference in client.get(f"/staff/missing/{other.id}/").content.decode()
    response = client.post(
        f"/staff/missing/{other.id}/unlink/",
        {"link": str(link.id), "kind": "report", "reason": "Ошибка"},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.unlinked_at is not None


@pytest.mark.django_db
def test_the_case_page_shows_a_linked_report_only_to_registry_holders(
    personas, client_for, doc_ring, report
) -> None:  # type: ignore[no-untyped-def]
    cw = keyring_for(personas.caseworker)
    case = case_actions.create_case(keyring=cw, risk="high")
    case_actions.assign(keyring=cw, case=case, user=personas.lawyer)
    actions.link_case(keyring=cw, report=report, case=case, reason="сестра подтвердила")
    assert (
        report.reference
        in client_for(personas.caseworker).get(f"/staff/cases/{case.id}/").content.decode()
    )
    lawyer_page = client_for(personas.lawyer).get(f"/staff/cases/{case.id}/").content.decode()
    assert report.reference not in lawyer_page
    assert "you do not hold the registry" in lawyer_page or "реестр" in lawyer_page


@pytest.mark.django_db(transaction=True)
def test_the_leak_scan_finds_nothing_of_full_registry_records(
    personas, client_for, index, caplog
) -> None:  # type: ignore[no-untyped-def]
    from haven.missing import pfif

    actions.set_up_registry(
        keyring=keyring_for(personas.coordinator),
        members=[personas.docofficer, personas.caseworker],
    )
    markers = Markers()
    client = client_for(personas.docofficer)
    response = client.post(
        "/staff/missing/new/",
        {
            "given_name": markers.new("given", cyrillic=True),
            "family_name": markers.new("family"),
            "patronymic": markers.new("patr"),
            "full_name": markers.new("full"),
            "alternate_names": markers.new("alt"),
            "home_place": markers.new("home"),
            "description": markers.new("desc"),
            "last_seen_place": markers.new("seen"),
            "last_seen_with": markers.new("with"),
            "circumstances": markers.new("circ"),
            "reporter_name": markers.new("reporter"),
            "reporter_relation": markers.new("rel"),
            "reporter_contact": markers.new("phone"),
            "source_name": markers.new("source"),
            "source_kind": "family",
            "reliability": "probable",
        },
    )
    assert response.status_code == 302
    report = MissingPersonReport.objects.get()
    client.post(
        f"/staff/missing/{report.id}/notes/",
        {
            "status": "detained",
            "text": markers.new("note"),
            "last_known_location": markers.new("loc"),
        },
    )
    other = actions.save_report(
        keyring=keyring_for(personas.docofficer), values={"full_name": markers.new("other")}
    )
    client.post(
        f"/staff/missing/{report.id}/link/",
        {"reference": other.reference, "reason": markers.new("why")},
    )
    data = pfif.export_pfif(keyring=keyring_for(personas.docofficer))
    # The export itself is plaintext by design (an approved export); importing it elsewhere is
    # sealed again.
    assert markers.values[0].encode() in data
    client.get(f"/staff/missing/{report.id}/")
    client.get("/staff/missing/", {"q": markers.values[0]})
    client.get("/staff/missing/matches/")
    assert ReportLink.objects.count() == 1 and StatusNote.objects.count() == 1
    assert_no_leaks(markers, log_text=caplog.text)


@pytest.mark.django_db
def test_an_export_is_asked_for_in_the_app_and_needs_a_reason(
    personas, client_for, registry
) -> None:  # type: ignore[no-untyped-def]
    from haven.cases.models import ApprovalRequest

    client = client_for(personas.docofficer)
    client.post("/staff/missing/export/", {"reason": " "})
    assert not ApprovalRequest.objects.exists()
    response = client.post("/staff/missing/export/", {"reason": "обмен с партнёрской группой"})
    assert response.status_code == 302
    row = ApprovalRequest.objects.get()
    assert row.kind == ApprovalRequest.Kind.EXPORT_IDENTIFIED and row.vault == registry
    assert (
        client_for(personas.caseworker).post("/staff/missing/export/", {"reason": "x"}).status_code
        == 403
    )

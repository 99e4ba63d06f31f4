"""The evidence web flows end to end, bad input, and the leak scan with testimony and attachments
included. Who may call which view is the authorisation matrix (tests/authz.py)."""

from __future__ import annotations

import datetime
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from haven.evidence import actions
from haven.evidence import models as evidence_models
from haven.evidence.bundle import verify_bundle
from haven.evidence.models import EvidenceAttachment, EvidenceIncident
from haven.evidence.tests.conftest import jpeg_with_gps
from haven.testing.leakscan import Markers, assert_no_leaks


@pytest.mark.django_db
def test_removing_a_part_refuses_the_wrong_role_method_and_outsider(
    personas, client_for, ring, incident
) -> None:  # type: ignore[no-untyped-def]
    from haven.evidence.models import Place

    place = actions.add_place(keyring=ring, incident=incident, kind="other", name="ошибка")
    url = reverse(
        "evidence-part-remove",
        kwargs={"incident_id": incident.id, "kind": "place", "part_id": place.id},
    )
    holder = client_for(personas.docofficer)
    assert holder.get(url).status_code == 405
    assert client_for(personas.admin).post(url).status_code == 403
    assert client_for(personas.outsider).post(url).status_code == 403
    assert client_for(personas.lawyer).post(url).status_code == 404
    assert Place.objects.filter(pk=place.id).exists()
    assert holder.post(url).status_code == 302
    assert not Place.objects.filter(pk=place.id).exists()
    assert holder.post(url).status_code == 400  # already gone: a message, not a 500
    bad = url.replace("/place/", "/testimony/")
    assert holder.post(bad).status_code == 400


@pytest.mark.django_db
def test_a_bad_incident_form_says_what_is_wrong_and_keeps_what_was_typed(
    personas, client_for
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.docofficer)
    response = client.post(
        reverse("evidence-incident-create"),
        {
            "title": "Задержание у мечети",
            "violations": ["torture", "not-a-violation"],
            "date_precision": "range",
            "date_start": "2026-13-45",
            "summary": "Долгий рассказ, который нельзя потерять",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Задержание у мечети" in body and "Долгий рассказ, который нельзя потерять" in body
    assert "Choose violations from the list." in body or "Выберите" in body
    assert not EvidenceIncident.objects.exists()


@pytest.mark.django_db
def test_an_incident_and_a_testimony_recorded_through_the_web_then_exported_for_a_court(
    personas, client_for, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.docofficer)
    response = client.post(
        reverse("evidence-incident-create"),
        {
            "title": "Задержание",
            "violations": ["arbitrary_detention", "torture"],
            "date_precision": "day",
            "date_start": "2026-03-14",
            "colleague": personas.lawyer.pk,
        },
    )
    assert response.status_code == 302
    incident = EvidenceIncident.objects.get()
    assert client_for(personas.lawyer).get(f"/staff/evidence/{incident.id}/").status_code == 200
    url = reverse("evidence-testimony-create", kwargs={"incident_id": incident.id})
    bad = client.post(
        url, {"given_by": "Адам", "given_on": "2026-04-01", "language": "xx", "text": "Меня били."}
    )
    assert bad.status_code == 400 and "Меня били." in bad.content.decode()
    ok = client.post(
        url,
        {
            "given_by": "Адам",
            "given_on": "2026-04-01",
            "language": "ru",
            "text": "Меня били.",
            "consent": ["court"],
            "may_be_named": "on",
        },
    )
    assert ok.status_code == 302
    upload = reverse("evidence-attachment-upload", kwargs={"incident_id": incident.id})
    response = client.post(upload, {"file": SimpleUploadedFile("p.jpg", jpeg_with_gps())})
    assert response.status_code == 302
    for place in ("evidence-place-add", "evidence-perpetrator-add"):
        r = client.post(
            reverse(place, kwargs={"incident_id": incident.id}),
            {"kind": "detention_site" if place == "evidence-place-add" else "unit", "name": "ПОВД"},
        )
        assert r.status_code == 302
    export = reverse("evidence-export", kwargs={"incident_id": incident.id})
    refused = client.post(export, {"audience": "un"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    response = client.post(export, {"audience": "court"})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    path = tmp_path / "b.zip"
    path.write_bytes(response.content)
    assert verify_bundle(path).ok
    names = zipfile.ZipFile(path).namelist()
    assert "summary.pdf" in names and any(n.startswith("attachments/A1-") for n in names)


@pytest.mark.django_db
def test_bad_files_get_a_clear_message_and_a_broken_one_is_kept_flagged(
    personas, client_for, incident, settings
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.docofficer)
    url = reverse("evidence-attachment-upload", kwargs={"incident_id": incident.id})
    empty = client.post(url, {"file": SimpleUploadedFile("e.jpg", b""), "notes": "записка"})
    assert empty.status_code == 400
    assert "записка" in empty.content.decode()
    settings.HAVEN_EVIDENCE_MAX_FILE_BYTES = 2048
    huge = client.post(url, {"file": SimpleUploadedFile("h.bin", b"x" * 4096)})
    assert huge.status_code == 400
    assert not EvidenceAttachment.objects.exists()
    broken = client.post(url, {"file": SimpleUploadedFile("b.pdf", b"%PDF-1.4\ntruncated")})
    assert broken.status_code == 302
    attachment = EvidenceAttachment.objects.get()
    assert attachment.problems == ["corrupt"]
    page = client.get(reverse("evidence-attachment", kwargs={"attachment_id": attachment.id}))
    assert page.status_code == 200
    download = client.get(
        reverse("evidence-attachment-download", kwargs={"attachment_id": attachment.id})
        + "?copy=original"
    )
    assert download.content == b"%PDF-1.4\ntruncated"
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment;")
    no_copy = client.get(
        reverse("evidence-attachment-download", kwargs={"attachment_id": attachment.id})
        + "?copy=working"
    )
    assert no_copy.status_code == 302


@pytest.mark.django_db
def test_redactions_are_reviewed_in_the_app_one_by_one(
    personas, client_for, ring, testimony
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.docofficer)
    propose = reverse("evidence-redaction-propose", kwargs={"testimony_id": testimony.id})
    assert client.post(propose).status_code == 302
    review = reverse("evidence-review", kwargs={"testimony_id": testimony.id})
    page = client.get(review)
    assert page.status_code == 200 and "[PERSON 1]" in page.content.decode()
    testimony.refresh_from_db()
    proposals = ring.open(testimony.vault).unseal(testimony, "proposals")
    keep = [i for i, p in enumerate(proposals) if p["category"] != "PHONE"]
    assert client.post(review, {"accepted": keep}).status_code == 302
    testimony.refresh_from_db()
    reviewed = ring.open(testimony.vault).unseal(testimony, "reviewed_text")
    assert "Салеха" not in reviewed and "+7 928 111-22-33" in reviewed
    assert client.post(review, {"accepted": ["999"]}).status_code == 400


@pytest.mark.django_db
def test_the_review_page_names_each_kind_of_proposal_in_words_not_the_engines_codes(
    personas, client_for, testimony
) -> None:  # type: ignore[no-untyped-def]
    import html
    import re

    from django.utils import translation

    client = client_for(personas.docofficer)
    client.post(reverse("evidence-redaction-propose", kwargs={"testimony_id": testimony.id}))
    review = reverse("evidence-review", kwargs={"testimony_id": testimony.id})
    for language, name, phone in (
        ("ru", "Имя человека", "Номер телефона"),
        ("en", "A person's name", "A phone number"),
    ):
        with translation.override(language):
            page = client.get(review, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        kinds = [
            html.unescape(k)
            for k in re.findall(r'<td><input type="checkbox"[^>]*></td><td>([^<]*)</td>', page)
        ]
        assert name in kinds and phone in kinds, kinds
        assert not {"PERSON", "PHONE"} & set(kinds)


@pytest.mark.django_db
def test_the_custody_log_is_exportable_per_item(personas, client_for, photo) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.docofficer)
    client.get(reverse("evidence-attachment", kwargs={"attachment_id": photo.id}))
    body = client.get(reverse("evidence-custody", kwargs={"attachment_id": photo.id}))
    log = json.loads(body.content)
    assert [e["action"] for e in log["custody"]] == ["capture", "view"]
    assert all(e["sha256"] == log["sha256_at_capture"] for e in log["custody"])


@pytest.mark.django_db(transaction=True)
def test_the_leak_scan_finds_nothing_of_incidents_testimony_or_files(
    personas, client_for, caplog
) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    markers = Markers()
    client = client_for(personas.docofficer)
    client.post(
        reverse("evidence-incident-create"),
        {
            "title": markers.new("title", cyrillic=True),
            "summary": markers.new("summary"),
            "violations": ["torture"],
            "date_precision": "unknown",
        },
    )
    incident = EvidenceIncident.objects.get()
    kw = {"incident_id": incident.id}
    client.post(
        reverse("evidence-place-add", kwargs=kw),
        {"kind": "detention_site", "name": markers.new("place")},
    )
    client.post(
        reverse("evidence-perpetrator-add", kwargs=kw),
        {"kind": "individual", "name": markers.new("perp"), "known_how": markers.new("how")},
    )
    client.post(reverse("evidence-victim-add", kwargs=kw), {"description": markers.new("victim")})
    client.post(
        reverse("evidence-source-add", kwargs=kw),
        {"kind": "witness", "reliability": "B", "description": markers.new("source")},
    )
    given_by = markers.new("giver", cyrillic=True)
    client.post(
        reverse("evidence-testimony-create", kwargs=kw),
        {
            "given_by": given_by,
            "given_on": "2026-04-01",
            "language": "ru",
            "text": f"{markers.new('text', cyrillic=True)} рассказал: {markers.new('story')}",
            "consent": ["court", "media"],
            "may_be_named": "on",
        },
    )
    testimony = evidence_models.Testimony.objects.get()
    client.post(reverse("evidence-redaction-propose", kwargs={"testimony_id": testimony.id}))
    client.post(reverse("evidence-review", kwargs={"testimony_id": testimony.id}), {"accepted": []})
    text_file = markers.new("file").encode() + b"\n"
    img = Image.new("RGB", (16, 16))
    exif = Image.Exif()
    exif[0x013B] = markers.new("exif")  # Artist
    picture = io.BytesIO()
    img.save(picture, format="JPEG", exif=exif)
    upload = reverse("evidence-attachment-upload", kwargs=kw)
    client.post(
        upload,
        {
            "file": SimpleUploadedFile(markers.new("fname") + ".txt", text_file),
            "notes": markers.new("notes"),
        },
    )
    client.post(upload, {"file": SimpleUploadedFile("p.jpg", picture.getvalue())})
    for a in EvidenceAttachment.objects.all():
        akw = {"attachment_id": a.id}
        client.get(reverse("evidence-attachment", kwargs=akw))
        client.post(
            reverse("evidence-attachment-transfer", kwargs=akw),
            {"organisation": markers.new("org"), "reason": markers.new("why")},
        )
        client.post(
            reverse("evidence-attachment-verify", kwargs=akw),
            {"status": "doubtful", "notes": markers.new("vnotes")},
        )
    response = client.post(reverse("evidence-export", kwargs=kw), {"audience": "court"})
    assert response.status_code == 200
    assert EvidenceAttachment.objects.count() == 2 and testimony.incident_id == incident.id
    assert_no_leaks(markers, log_text=caplog.text)
    # And the bundle itself does carry what it must (the scan would otherwise prove little).
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    everything = b"".join(bundle.read(n) for n in bundle.namelist())
    assert given_by.encode() in everything and text_file in everything


def test_dates_in_the_future_are_refused() -> None:
    from haven.evidence.forms import TestimonyForm

    form = TestimonyForm(
        {
            "given_by": "x",
            "given_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
            "language": "ru",
            "text": "t",
        }
    )
    assert not form.is_valid() and "given_on" in form.errors


@pytest.mark.django_db
def test_an_override_is_asked_for_in_the_app_and_decided_by_a_second_coordinator(
    personas, client_for, incident, testimony
) -> None:  # type: ignore[no-untyped-def]
    from haven.cases.models import ApprovalRequest

    doc = client_for(personas.docofficer)
    coordinator = client_for(personas.coordinator)
    ask = reverse("evidence-override-request", kwargs={"incident_id": incident.id})
    assert doc.post(ask, {"reason": "Доклад"}).status_code == 302
    first = ApprovalRequest.objects.get(vault=incident.vault)
    decide = reverse("cases-approval-decide", kwargs={"approval_id": first.id})
    # A coordinator who does not hold the incident cannot read, so cannot approve, the request.
    assert coordinator.post(decide, {"decision": "approve"}).status_code == 404
    share = reverse("evidence-share", kwargs={"incident_id": incident.id})
    assert doc.post(share, {"user": personas.caseworker.pk}).status_code == 400
    assert doc.post(share, {"user": personas.coordinator.pk}).status_code == 302
    assert coordinator.post(decide, {"decision": "reject"}).status_code == 302
    assert doc.post(ask, {"reason": ""}).status_code == 400
    assert doc.post(ask, {"reason": "Доклад спецдокладчика ООН"}).status_code == 302
    approval = ApprovalRequest.objects.get(vault=incident.vault, status="pending")
    page = coordinator.get(reverse("cases-approvals"))
    assert page.status_code == 200
    # The approving coordinator reads the reason they approve.
    assert "Доклад спецдокладчика ООН" in page.content.decode()
    # A coordinator without the incident cannot approve it.
    decide = reverse("cases-approval-decide", kwargs={"approval_id": approval.id})
    assert (
        client_for(personas.coordinator2).post(decide, {"decision": "approve"}).status_code == 404
    )
    assert coordinator.post(decide, {"decision": "approve"}).status_code == 302
    approval.refresh_from_db()
    assert approval.status == "approved" and approval.decided_by == personas.coordinator
    export = reverse("evidence-export", kwargs={"incident_id": incident.id})
    response = doc.post(export, {"audience": "un", "override_reason": "UN report"})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    detail = doc.get(reverse("evidence-incident", kwargs={"incident_id": incident.id}))
    assert "SHA-256" in detail.content.decode()


@pytest.mark.django_db
def test_an_incident_can_be_corrected_and_a_bad_correction_keeps_what_was_typed(
    personas, client_for, ring, incident
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(personas.docofficer)
    url = reverse("evidence-incident-edit", kwargs={"incident_id": incident.id})
    page = client.get(url)
    assert page.status_code == 200 and "Задержание" in page.content.decode()
    bad = client.post(url, {"title": "Исправлено", "violations": [], "date_precision": "day"})
    assert bad.status_code == 400 and "Исправлено" in bad.content.decode()
    ok = client.post(
        url,
        {
            "title": "Исправлено",
            "violations": ["killing"],
            "date_precision": "month",
            "date_start": "2026-03-01",
        },
    )
    assert ok.status_code == 302
    incident.refresh_from_db()
    assert incident.violations == ["killing"] and incident.date_precision == "month"
    assert ring.reader(incident).title == "Исправлено"

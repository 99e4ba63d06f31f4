"""Uploads never pass through a plaintext temporary file (issue 14, finding 6): a file far over
Django's old 2.5 MB spooling threshold, sent through the portal and through the staff side, is
received without this process opening a single file for writing."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from haven.evidence import actions as evidence_actions
from haven.evidence.models import EvidenceAttachment
from haven.intake import actions as intake_actions
from haven.intake.forms import form_token
from haven.intake.models import MessageAttachment as PortalAttachment
from haven.testing.disk import file_writes, marker_bytes, marker_pdf
from haven.testing.personas import keyring_for

MARKER = b"HAVEN-UPLOAD-HANDLER-MARKER-7f3a"
SIZE = 6 * 1024 * 1024


@pytest.fixture(autouse=True)
def _own_admission_budget(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.HAVEN_ADMISSION_DIR = str(tmp_path / "admission")


@pytest.fixture
def intake_vault(personas):  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.coordinator)
    return intake_actions.set_up_intake_vault(actor=personas.coordinator, keyring=ring)


def _besides_admission_locks(written: list[str], settings) -> list[str]:  # type: ignore[no-untyped-def]
    """The portal's admission control writes its own lock files (no content of anyone's)."""
    return [p for p in written if not p.startswith(settings.HAVEN_ADMISSION_DIR)]


@pytest.mark.django_db
def test_a_large_portal_attachment_is_received_without_writing_any_file(
    intake_vault, settings
) -> None:
    pdf = marker_pdf(MARKER, SIZE)
    assert len(pdf) > SIZE
    body = {"text": "Нужна помощь", "felt_urgency": "days", "contact": ""}
    body |= {"form_token": form_token(), "attachments": io.BytesIO(pdf)}
    with file_writes() as written:
        response = Client().post("/help/?lang=en", body)
    assert response.status_code == 200, response.content.decode()[:2000]
    assert PortalAttachment.objects.count() == 1
    assert _besides_admission_locks(written, settings) == []


@pytest.mark.django_db
def test_a_large_evidence_file_is_received_without_writing_any_file(personas, client_for) -> None:
    ring = keyring_for(personas.docofficer)
    incident = evidence_actions.create_incident(keyring=ring, title="Задержание", violations=[])
    data = marker_bytes(MARKER, SIZE)
    staff = client_for(personas.docofficer)
    upload = io.BytesIO(data)
    upload.name = "recording.bin"
    with file_writes() as written:
        response = staff.post(f"/staff/evidence/{incident.id}/files/new/", {"file": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    attachment = EvidenceAttachment.objects.get()
    assert ring.open(incident.vault).unseal(attachment, "original") == data
    assert written == []


@pytest.mark.django_db
def test_a_body_over_the_request_limit_gets_the_portals_too_large_page(
    intake_vault, settings
) -> None:
    settings.HAVEN_UPLOAD_MAX_REQUEST_BYTES = 1024 * 1024
    body = {"text": "Нужна помощь", "felt_urgency": "days", "contact": ""}
    body |= {"form_token": form_token(), "attachments": io.BytesIO(marker_pdf(MARKER, 2**21))}
    response = Client().post("/help/?lang=en", body)
    assert response.status_code == 413
    assert "too large to accept" in response.content.decode()
    assert PortalAttachment.objects.count() == 0

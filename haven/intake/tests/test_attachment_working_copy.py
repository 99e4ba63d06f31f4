"""Portal attachments reach staff as working copies: a PDF without its JavaScript, actions,
embedded files, forms and metadata; the original kept sealed and served only deliberately."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pypdf import PdfReader

from haven.audit.models import AuditEvent
from haven.intake.models import HelpRequest, MessageAttachment
from haven.testing.hostile_pdf import JS_MARKER, PAGE_TEXT, active_content_left, hostile_pdf
from haven.testing.personas import keyring_for
from haven.vault.keyring import seal_box


def _send(client: Client, form_token: str, data: bytes) -> None:
    upload = SimpleUploadedFile("report.pdf", data, content_type="application/pdf")
    response = client.post(
        "/help/?lang=ru",
        {
            "text": "документ",
            "felt_urgency": "days",
            "contact": "",
            "form_token": form_token,
            "attachments": upload,
        },
    )
    assert response.status_code == 200


def _url(attachment: MessageAttachment) -> str:
    return f"/staff/intake/{attachment.message.request_id}/attachments/{attachment.id}/"


@pytest.mark.django_db
def test_a_hostile_pdf_reaches_the_operator_without_javascript_actions_or_metadata(
    client: Client, intake_vault, form_token, personas, client_for
) -> None:
    sent = hostile_pdf()
    assert {"/OpenAction", "/AA", "/JavaScript", "/Info", "/Metadata"} <= set(
        active_content_left(sent)
    )
    _send(client, form_token, sent)
    attachment = MessageAttachment.objects.select_related("vault", "message").get()

    response = client_for(personas.operator).get(_url(attachment))
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment; filename=attachment"
    received = response.content
    assert received != sent
    assert active_content_left(received) == []
    assert JS_MARKER.encode() not in received
    reader = PdfReader(io.BytesIO(received))
    assert len(reader.pages) == 1 and PAGE_TEXT.encode() in received  # the page itself is kept
    assert not reader.metadata  # no Author, Producer, Creator
    assert reader.xmp_metadata is None

    # The original stays sealed, byte for byte.
    opened = keyring_for(personas.operator).open(attachment.vault)
    assert opened.unseal(attachment, "original") == sent
    meta = opened.unseal(attachment, "meta")
    assert meta["metadata_stripped"] is True and meta["original_size"] == len(sent)


@pytest.mark.django_db
def test_only_a_coordinator_takes_the_original_and_the_download_is_audited(
    client: Client, intake_vault, form_token, personas, client_for
) -> None:
    sent = hostile_pdf()
    _send(client, form_token, sent)
    attachment = MessageAttachment.objects.select_related("vault", "message").get()
    operator = client_for(personas.operator)
    assert operator.get(_url(attachment) + "?copy=original").status_code == 403
    page = operator.get(f"/staff/intake/{attachment.message.request_id}/").content.decode()
    assert "?copy=original" not in page

    coordinator = client_for(personas.coordinator)
    page = coordinator.get(f"/staff/intake/{attachment.message.request_id}/").content.decode()
    assert "?copy=original" in page
    before = AuditEvent.objects.filter(action="intake.attachment_original").count()
    response = coordinator.get(_url(attachment) + "?copy=original")
    assert response.status_code == 200 and response.content == sent
    assert response["Content-Disposition"] == "attachment; filename=original"
    event = AuditEvent.objects.filter(action="intake.attachment_original").get()
    assert before == 0 and event.actor_id == personas.coordinator.pk
    assert event.data == {"attachment": str(attachment.id)}


@pytest.mark.django_db
def test_a_picture_has_no_original_to_take(
    client: Client, intake_vault, form_token, personas, client_for
) -> None:
    from PIL import Image

    raw = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(raw, format="PNG")
    upload = SimpleUploadedFile("me.png", raw.getvalue(), content_type="image/png")
    client.post(
        "/help/?lang=ru",
        {"text": "фото", "felt_urgency": "days", "form_token": form_token, "attachments": upload},
    )
    attachment = MessageAttachment.objects.select_related("vault", "message").get()
    assert (
        keyring_for(personas.operator).open(attachment.vault).unseal(attachment, "original") is None
    )
    assert (
        client_for(personas.coordinator).get(_url(attachment) + "?copy=original").status_code == 404
    )


@pytest.mark.django_db
def test_a_pdf_stored_before_working_copies_existed_is_cleaned_when_downloaded(
    intake_vault, personas, client_for
) -> None:
    from haven.intake import actions

    help_request = actions.submit_request(
        text="старый запрос", felt_urgency="days", contact="", files=[], language="ru"
    ).request
    sent = hostile_pdf()
    message = help_request.messages.get()
    legacy = MessageAttachment(message=message, vault=help_request.vault)
    seal_box(
        legacy,
        content=sent,
        meta={
            "name": "old.pdf",
            "type": "application/pdf",
            "size": len(sent),
            "metadata_stripped": False,
        },
    )
    legacy.save()
    legacy = MessageAttachment.objects.select_related("message").get(pk=legacy.pk)
    received = client_for(personas.operator).get(_url(legacy)).content
    assert active_content_left(received) == []
    original = client_for(personas.coordinator).get(_url(legacy) + "?copy=original")
    assert original.content == sent
    assert HelpRequest.objects.count() == 1

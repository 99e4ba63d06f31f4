"""PFIF in the browser: import with translated errors naming the record and field, the export
download behind the two-person rule, the authorisation rows, and a duress session's import."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from haven.audit.models import AuditEvent
from haven.cases.approvals import approve, request_approval
from haven.cases.models import ApprovalRequest
from haven.core.tests.test_authorization_matrix import (
    _duress_client,
    _duress_persona,
    run_matrix,
)
from haven.missing.models import HeldNote, MissingPersonReport, StatusNote
from haven.testing import authz
from haven.testing.personas import keyring_for, sign_in

from .test_pfif_versions import doc, note, person

pytestmark = pytest.mark.django_db

BAD = doc("1.3", person("partner.example/p1", "1.3", full_name=""))
GOOD = doc(
    "1.3",
    person("partner.example/p1", "1.3")
    + note("partner.example/n1", "partner.example/p1", text="Видели на вокзале.")
    + note("partner.example/n2", "partner.example/elsewhere"),
)


def _upload(client: Client, data: bytes, lang: str = "en"):  # type: ignore[no-untyped-def]
    client.cookies["haven_lang"] = lang
    return client.post(
        reverse("missing-pfif-import"),
        {"file": SimpleUploadedFile("partner.xml", data, content_type="application/xml")},
    )


def test_the_pfif_views_answer_as_the_matrix_declares(personas) -> None:  # type: ignore[no-untyped-def]
    run_matrix(personas, only={"missing-pfif-import", "missing-pfif-export"})


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["person partner.example/p1", "full_name", "Nothing was imported."]),
        ("ru", ["partner.example/p1", "full_name", "Ничего не импортировано."]),
    ],
)
def test_a_bad_file_is_refused_naming_record_and_field_in_the_persons_language(
    personas, registry, lang, words
) -> None:  # type: ignore[no-untyped-def]
    client = sign_in(Client(), personas.docofficer)
    response = _upload(client, BAD, lang)
    assert response.status_code == 400
    page = response.content.decode()
    for word in words:
        assert word in page
    assert not MissingPersonReport.objects.exists()


def test_a_good_file_is_imported_and_a_note_for_an_absent_person_waits(personas, registry) -> None:  # type: ignore[no-untyped-def]
    client = sign_in(Client(), personas.docofficer)
    response = _upload(client, GOOD)
    assert response.status_code == 302 and response["Location"] == reverse("missing-list")
    page = client.get(reverse("missing-list")).content.decode()
    assert (
        "PFIF 1.3 imported: 1 new persons" in page and "1 held until their person arrives" in page
    )
    assert MissingPersonReport.objects.count() == 1 and StatusNote.objects.count() == 1
    assert HeldNote.objects.get().waiting_for == "partner.example/elsewhere"


def test_the_download_needs_an_approved_export_and_uses_it_up(personas, registry) -> None:  # type: ignore[no-untyped-def]
    client = sign_in(Client(), personas.docofficer)
    _upload(client, GOOD)
    url = reverse("missing-pfif-export")
    refused = client.post(url, {"notes": "top-level"})
    assert refused.status_code == 302
    assert not AuditEvent.objects.filter(action="missing.pfif_export").exists()
    row = request_approval(
        keyring=keyring_for(personas.docofficer),
        kind=ApprovalRequest.Kind.EXPORT_IDENTIFIED,
        vault=registry,
        target_user=None,
        reason="exchange with the partner",
    )
    approve(keyring=keyring_for(personas.coordinator), approval=row)
    response = client.post(url, {"notes": "top-level"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    body = response.content.decode()
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "<pfif:person_record_id>partner.example/p1</pfif:person_record_id>" in body
    assert body.index("</pfif:person>") < body.index("<pfif:note>")  # notes at the top level
    assert "Видели на вокзале." in body
    assert AuditEvent.objects.filter(action="missing.pfif_export").count() == 1
    again = client.post(url, {"notes": "nested"})
    assert again.status_code == 302  # the approval allowed one export


def test_an_import_under_duress_changes_nothing(personas, registry) -> None:  # type: ignore[no-untyped-def]
    user = _duress_persona(personas)
    client = _duress_client(None, user)
    before = authz.snapshot()
    response = _upload(client, GOOD)
    assert response.status_code < 500
    assert authz.changed_tables(before, authz.snapshot()) == {}

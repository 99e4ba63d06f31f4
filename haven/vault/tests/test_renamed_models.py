"""Models renamed for their room (evidence.Incident → EvidenceIncident, ...) keep their tables,
and so every value sealed before the rename still opens: the associated data names the table."""

from __future__ import annotations

import uuid

import pytest
from django.db import models

from haven.evidence.models import EvidenceAttachment, EvidenceIncident
from haven.intake.models import MessageAttachment
from haven.missing.models import MissingPersonReport
from haven.safety.models import SafetyIncident
from haven.vault import crypto
from haven.vault.fields import SealedField
from haven.vault.keyring import OpenVault, _aad
from haven.vault.models import Vault

# The tables as they were named when these models were Incident, Attachment and Report.
TABLES_BEFORE_THE_RENAME: list[tuple[type[models.Model], str]] = [
    (SafetyIncident, "safety_incident"),
    (EvidenceIncident, "evidence_incident"),
    (EvidenceAttachment, "evidence_attachment"),
    (MessageAttachment, "intake_attachment"),
    (MissingPersonReport, "missing_report"),
]


@pytest.mark.parametrize(("model", "table"), TABLES_BEFORE_THE_RENAME)
def test_a_renamed_model_binds_its_sealed_fields_to_the_table_it_always_had(
    model: type[models.Model], table: str
) -> None:
    row = model(pk=uuid.uuid4())
    assert model._meta.db_table == table
    for field in model._meta.get_fields():
        if isinstance(field, SealedField):
            assert _aad(row, field) == f"{table}|{field.column}|{row.pk}".encode()


@pytest.mark.django_db
def test_an_incident_title_sealed_before_the_rename_opens_after_it() -> None:
    key = crypto.random_key()
    vault = Vault.objects.create(kind=Vault.Kind.EVIDENCE, public_key=b"\0" * 32)
    incident_id = uuid.uuid4()
    # What the code wrote while the model was evidence.Incident: the associated data spelled
    # out by hand, not computed by the code under test.
    sealed_then = crypto.aead_encrypt(
        key, "Задержание у мечети".encode(), f"evidence_incident|title|{incident_id}".encode()
    )
    EvidenceIncident.objects.create(id=incident_id, vault=vault, title=sealed_then)

    stored = EvidenceIncident.objects.get(id=incident_id)

    assert OpenVault(vault, key).unseal(stored, "title") == "Задержание у мечети"

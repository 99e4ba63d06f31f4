"""The demo: a newcomer finds an incident with testimony in two languages, a file and its chain of
custody, and can export and verify a court bundle from the command line as in docs/evidence.md."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from haven.accounts.models import User
from haven.evidence.bundle import verify_bundle
from haven.evidence.models import EvidenceAttachment, EvidenceIncident
from haven.testing.personas import current_code


@pytest.mark.django_db
def test_the_demo_incident_exports_for_a_court_and_verifies(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("demo", "--no-serve")
    out = capsys.readouterr().out
    incident = EvidenceIncident.objects.get()
    assert f"Evidence → {incident.reference}" in out
    assert sorted(incident.testimonies.values_list("language", flat=True)) == ["en", "ru"]
    photo = EvidenceAttachment.objects.get()
    assert photo.working_copy is not None
    assert list(photo.custody.values_list("action", flat=True)) == [
        "capture",
        "verify",
        "transfer",
    ]
    bundle = tmp_path / "court.zip"
    monkeypatch.setenv("HAVEN_PASSWORD", "demo-lawyer-pass")
    monkeypatch.setenv("HAVEN_OTP", current_code(User.objects.get(username="lawyer")))
    call_command(
        "evidence",
        "export",
        "--user=lawyer",
        f"--incident={incident.reference}",
        "--audience=court",
        f"--out={bundle}",
    )
    assert verify_bundle(bundle).ok

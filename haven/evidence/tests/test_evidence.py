"""Records, custody, consent, redaction and bundles, through the actions."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from haven.cases import actions as case_actions
from haven.cases.models import ApprovalRequest
from haven.evidence import actions
from haven.evidence.bundle import build_bundle, verify_bundle
from haven.evidence.errors import EvidenceError
from haven.evidence.models import CustodyEvent, EvidenceAttachment, Export
from haven.evidence.tests.conftest import jpeg_with_gps
from haven.testing.personas import PASSWORD, current_code, keyring_for

pytestmark = pytest.mark.django_db


def _zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def test_the_hash_at_capture_equals_the_hash_of_the_file_in_a_court_bundle(
    ring, incident, photo
) -> None:  # type: ignore[no-untyped-def]
    received = jpeg_with_gps()
    opened = ring.open(incident.vault)
    assert opened.unseal(photo, "sha256") == hashlib.sha256(received).hexdigest()
    built = build_bundle(keyring=ring, incident=incident, audience="court")
    z = _zip(built.data)
    [path] = [n for n in z.namelist() if n.startswith("attachments/")]
    exported = z.read(path)
    assert exported == received
    assert hashlib.sha256(exported).hexdigest() == opened.unseal(photo, "sha256")
    records = json.loads(z.read("records.json"))
    assert records["attachments"][0]["sha256_at_capture"] == hashlib.sha256(received).hexdigest()
    custody = json.loads(z.read("custody.json"))
    assert [e["action"] for e in custody["A1"]] == ["capture", "export"]
    assert {e["sha256"] for e in custody["A1"]} == {hashlib.sha256(received).hexdigest()}
    assert z.read("summary.pdf").startswith(b"%PDF")
    # The sender's file name ("../../evil name.jpg") is neither used nor able to climb out.
    assert path == "attachments/A1-original.jpg"


def test_the_working_copy_has_no_camera_or_location_data_and_the_original_is_unchanged(
    ring, incident, photo
) -> None:  # type: ignore[no-untyped-def]
    opened = ring.open(incident.vault)
    original = opened.unseal(photo, "original")
    working = opened.unseal(photo, "working_copy")
    assert original == jpeg_with_gps() and b"PhoneMaker" in original
    assert working is not None and b"PhoneMaker" not in working
    capture = opened.unseal(photo, "capture")
    assert capture["exif"]["make"] == "PhoneMaker" and "gps" in capture["exif"]
    assert (capture["width"], capture["height"]) == (32, 24)


def test_a_changed_missing_or_extra_file_fails_verification_and_is_named(
    ring, incident, photo, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    built = build_bundle(keyring=ring, incident=incident, audience="court")
    good = tmp_path / "good.zip"
    good.write_bytes(built.data)
    assert verify_bundle(good).ok

    source = _zip(built.data)
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as z:
        for name in source.namelist():
            data = source.read(name)
            if name == "testimonies/T1.txt":
                data = data.replace("Грозном".encode(), "Москве".encode())
            if name == "custody.json":
                continue
            z.writestr(name, data)
        z.writestr("attachments/A9-planted.jpg", b"x")
    result = verify_bundle(bad)
    assert not result.ok
    assert result.changed == ["testimonies/T1.txt"]
    assert result.missing == ["custody.json"]
    assert result.extra == ["attachments/A9-planted.jpg"]

    unpacked = tmp_path / "dir"
    source.extractall(unpacked)
    assert verify_bundle(unpacked).ok
    (unpacked / "records.json").write_text("{}")
    assert verify_bundle(unpacked).changed == ["records.json"]
    (unpacked / "SHA256SUMS").write_text("")
    assert verify_bundle(unpacked).changed == ["records.json", "SHA256SUMS"]


def test_the_verify_command_says_ok_or_names_the_changed_file(
    ring, incident, photo, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    built = build_bundle(keyring=ring, incident=incident, audience="court")
    path = tmp_path / "b.zip"
    path.write_bytes(built.data)
    call_command("evidence", "verify", str(path))
    assert "OK:" in capsys.readouterr().out
    source = _zip(built.data)
    with zipfile.ZipFile(path, "w") as z:
        for name in source.namelist():
            z.writestr(name, source.read(name) + (b" " if name == "summary.pdf" else b""))
    with pytest.raises(CommandError, match="FAILED"):
        call_command("evidence", "verify", str(path))
    assert "CHANGED  summary.pdf" in capsys.readouterr().out
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="unreadable bundle"):
        call_command("evidence", "verify", str(tmp_path / "junk.zip"))


def test_the_export_command_acts_as_a_user_with_their_password(
    personas, incident, photo, tmp_path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "court.zip"
    monkeypatch.setenv("HAVEN_PASSWORD", PASSWORD)
    monkeypatch.setenv("HAVEN_OTP", current_code(personas.docofficer))
    call_command(
        "evidence",
        "export",
        "--user",
        "doc",
        "--incident",
        incident.reference,
        "--audience",
        "court",
        "--out",
        str(out),
    )
    assert verify_bundle(out).ok
    assert Export.objects.filter(incident=incident, audience="court").count() == 1
    # The lawyer holds no grant: the incident does not exist for them.
    monkeypatch.setenv("HAVEN_OTP", current_code(personas.lawyer))
    with pytest.raises(CommandError, match="no incident"):
        call_command(
            "evidence",
            "export",
            "--user",
            "lawyer",
            "--incident",
            incident.reference,
            "--audience",
            "court",
            "--out",
            str(tmp_path / "x.zip"),
        )
    monkeypatch.setenv("HAVEN_PASSWORD", "wrong")
    monkeypatch.setenv("HAVEN_OTP", current_code(personas.docofficer))
    with pytest.raises(CommandError, match="Wrong user name, password or one-time code"):
        call_command(
            "evidence",
            "export",
            "--user",
            "doc",
            "--incident",
            incident.reference,
            "--audience",
            "court",
            "--out",
            str(tmp_path / "y.zip"),
        )


def test_consent_blocks_an_export_to_an_audience_it_excludes(
    ring, incident, testimony, photo
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EvidenceError, match="T1"):
        build_bundle(keyring=ring, incident=incident, audience="un")
    assert not Export.objects.exists()
    assert not CustodyEvent.objects.filter(action="export").exists()


def test_an_override_needs_a_second_coordinators_approval_and_a_reason(
    personas, ring, incident, testimony, photo
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EvidenceError, match="second coordinator"):
        build_bundle(keyring=ring, incident=incident, audience="un", override_reason="UN report")
    approval = case_actions.request_approval(
        keyring=ring,
        kind=ApprovalRequest.Kind.EXPORT_IDENTIFIED,
        vault=incident.vault,
        target_user=None,
        reason="Special Rapporteur needs it",
    )
    case_actions.approve(keyring=keyring_for(personas.coordinator), approval=approval)
    with pytest.raises(EvidenceError, match="consent"):
        build_bundle(keyring=ring, incident=incident, audience="un")  # no reason given
    built = build_bundle(keyring=ring, incident=incident, audience="un", override_reason="UN")
    records = json.loads(_zip(built.data).read("records.json"))
    assert records["testimonies"][0]["consent_overridden"] is True
    assert built.export.approval_id == approval.id
    # One approval allows one export.
    with pytest.raises(EvidenceError, match="second coordinator"):
        build_bundle(keyring=ring, incident=incident, audience="un", override_reason="again")


def test_an_anonymous_testimony_leaves_only_reviewed_and_never_named(
    ring, incident, testimony
) -> None:  # type: ignore[no-untyped-def]
    actions.set_consent(keyring=ring, testimony=testimony, consent=["court"], may_be_named=False)
    with pytest.raises(EvidenceError, match="T1"):
        build_bundle(keyring=ring, incident=incident, audience="court")
    proposals = actions.propose_redactions(keyring=ring, testimony=testimony)
    actions.review_redactions(
        keyring=ring, testimony=testimony, accepted=set(range(len(proposals)))
    )
    z = _zip(build_bundle(keyring=ring, incident=incident, audience="court").data)
    everything = b"".join(z.read(n) for n in z.namelist() if not n.endswith(".pdf"))
    for form in ("Салех", "Салеха", "Салеху", "Мусаев", "928 111"):
        assert form.encode() not in everything
    records = json.loads(z.read("records.json"))
    assert records["testimonies"][0]["redacted"] is True


def test_a_publication_bundle_has_reviewed_text_working_copies_and_no_staff_prose(
    ring, incident, testimony, photo
) -> None:  # type: ignore[no-untyped-def]
    actions.set_consent(keyring=ring, testimony=testimony, consent=["media"], may_be_named=True)
    actions.add_place(keyring=ring, incident=incident, kind="home", name="ул. Мира, 5")
    actions.add_place(keyring=ring, incident=incident, kind="detention_site", name="ПОВД")
    with pytest.raises(EvidenceError, match="reviewed"):
        build_bundle(keyring=ring, incident=incident, audience="publication")
    proposals = actions.propose_redactions(keyring=ring, testimony=testimony)
    # The reviewer keeps one proposal out (rejects it): the reviewed text is what leaves.
    kept_out = next(i for i, p in enumerate(proposals) if p["category"] == "PHONE")
    reviewed = actions.review_redactions(
        keyring=ring, testimony=testimony, accepted=set(range(len(proposals))) - {kept_out}
    )
    assert "+7 928 111-22-33" in reviewed and "Салеха" not in reviewed
    z = _zip(build_bundle(keyring=ring, incident=incident, audience="publication").data)
    assert z.read("testimonies/T1.txt").decode() == reviewed
    records = json.loads(z.read("records.json"))
    assert records["summary"] is None and records["title"] is None
    assert [p["kind"] for p in records["places"]] == ["detention_site"]
    custody = json.loads(z.read("custody.json"))
    assert [e["action"] for e in custody["A1"]] == ["capture", "export"]
    assert {e["by"] for e in custody["A1"]} == {None}
    [path] = [n for n in z.namelist() if n.startswith("attachments/")]
    assert "working" in path and b"PhoneMaker" not in z.read(path)


@pytest.mark.parametrize(
    ("text", "lang", "forms"),
    [
        (
            "Салеха Мусаева увезли. Салеху угрожали, у Салеха забрали телефон. С Мусаевым был брат.",
            "ru",
            ("Салеха", "Салеху", "Мусаева", "Мусаевым"),
        ),
        ("Saleh Musaev was taken; Musaev's phone was searched.", "en", ("Saleh", "Musaev")),
        (
            "Saleh Musaev — он же Салех Мусаев — пропал.",
            "ru",
            ("Saleh", "Musaev", "Салех", "Мусаев"),
        ),
    ],
)
def test_redaction_takes_out_the_name_in_every_case_ending_and_script(
    ring, incident, text, lang, forms
) -> None:  # type: ignore[no-untyped-def]
    t = actions.add_testimony(
        keyring=ring,
        incident=incident,
        given_by="Салех Мусаев",
        given_on=datetime.date(2026, 4, 1),
        language=lang,
        text=text,
        consent=[],
        may_be_named=False,
    )
    proposals = actions.propose_redactions(keyring=ring, testimony=t)
    reviewed = actions.review_redactions(
        keyring=ring, testimony=t, accepted=set(range(len(proposals)))
    )
    for form in forms:
        assert form not in reviewed


def test_a_testimony_in_an_unknown_language_is_still_proposed_for_redaction(ring, incident) -> None:  # type: ignore[no-untyped-def]
    t = actions.add_testimony(
        keyring=ring,
        incident=incident,
        given_by="Салех Мусаев",
        given_on=datetime.date(2026, 4, 1),
        language="other",
        text="Салех Мусаев дIавахана. +7 928 111-22-33",
        consent=[],
        may_be_named=False,
    )
    proposals = actions.propose_redactions(keyring=ring, testimony=t)
    assert {p["category"] for p in proposals} >= {"PERSON", "PHONE"}
    with pytest.raises(EvidenceError):
        actions.add_testimony(
            keyring=ring,
            incident=incident,
            given_by="x",
            given_on=datetime.date(2026, 4, 1),
            language="xx",
            text="t",
            consent=[],
            may_be_named=False,
        )


def test_a_file_that_fails_to_parse_is_kept_opaque_and_flagged(ring, incident) -> None:  # type: ignore[no-untyped-def]
    broken_pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\n"  # no %%EOF: truncated
    broken_jpeg = jpeg_with_gps()[:200]
    for name, data in (("a.pdf", broken_pdf), ("b.jpg", broken_jpeg)):
        a = actions.capture_attachment(keyring=ring, incident=incident, name=name, data=data)
        assert a.problems == ["corrupt"]
        assert a.working_copy is None
        assert ring.open(incident.vault).unseal(a, "original") == data
    recording = b"OggS\x00\x02" + b"\x01" * 100  # a recording: no working copy, not a problem
    a = actions.capture_attachment(keyring=ring, incident=incident, name="r.ogg", data=recording)
    assert a.problems == [] and a.kind == "" and a.working_copy is None
    partner = build_bundle(keyring=ring, incident=incident, audience="partner_ngo")
    assert {w["why"] for w in partner.withheld} == {"no_working_copy"}


def test_empty_and_huge_files_are_refused_and_nothing_is_saved(ring, incident, settings) -> None:  # type: ignore[no-untyped-def]
    settings.HAVEN_EVIDENCE_MAX_FILE_BYTES = 1024
    with pytest.raises(EvidenceError, match="empty"):
        actions.capture_attachment(keyring=ring, incident=incident, name="e.jpg", data=b"")
    with pytest.raises(EvidenceError, match="larger"):
        actions.capture_attachment(keyring=ring, incident=incident, name="h", data=b"x" * 1025)
    assert not EvidenceAttachment.objects.exists()


def test_every_touch_of_a_file_is_a_link_in_its_chain_of_custody(ring, incident, photo) -> None:  # type: ignore[no-untyped-def]
    actions.record_view(keyring=ring, attachment=photo)
    actions.read_attachment(keyring=ring, attachment=photo, copy="original")
    actions.set_verification(keyring=ring, attachment=photo, status="doubtful", notes="shadows")
    actions.transfer_attachment(
        keyring=ring, attachment=photo, organisation="Memorial", reason="ECtHR"
    )
    build_bundle(keyring=ring, incident=incident, audience="court")
    actions.delete_attachment(keyring=ring, attachment=photo, reason="asked by the person")
    events = list(photo.custody.order_by("at"))
    assert [e.action for e in events] == [
        "capture",
        "view",
        "download",
        "verify",
        "transfer",
        "export",
        "delete",
    ]
    opened = ring.open(incident.vault)
    digest = opened.unseal(photo, "sha256")
    assert all(opened.unseal(e, "sha256") == digest for e in events)
    assert events[0].actor == ring.user
    photo.refresh_from_db()
    assert photo.original is None and opened.unseal(photo, "sha256") == digest
    with pytest.raises(EvidenceError, match="deleted"):
        actions.read_attachment(keyring=ring, attachment=photo, copy="original")
    court = build_bundle(keyring=ring, incident=incident, audience="court")
    assert court.withheld == [{"label": "A1", "why": "deleted"}]


def test_an_admin_or_a_caseworker_cannot_record_evidence(personas) -> None:  # type: ignore[no-untyped-def]
    for user in (personas.admin, personas.caseworker):
        with pytest.raises(EvidenceError):
            actions.create_incident(keyring=keyring_for(user), title="t", violations=["torture"])


def test_a_victim_links_only_to_a_case_the_user_can_open(personas, ring, incident) -> None:  # type: ignore[no-untyped-def]
    cw = keyring_for(personas.caseworker)
    case = case_actions.create_case(keyring=cw, risk="high")
    with pytest.raises(EvidenceError, match="No case"):
        actions.add_victim(
            keyring=ring, incident=incident, description="v", case_reference=case.reference
        )
    case_actions.assign(keyring=cw, case=case, user=personas.docofficer)
    ring = keyring_for(personas.docofficer)
    victim = actions.add_victim(
        keyring=ring, incident=incident, description="v", case_reference=case.reference.lower()
    )
    assert victim.case == case and victim.link == "case_person"


def test_the_duress_password_on_the_export_command_finds_nothing_and_raises_the_alarm(
    personas, incident, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from haven.accounts.actions import set_duress_password
    from haven.alerts.models import Notification
    from haven.audit.models import AuditEvent

    set_duress_password(user=personas.docofficer, duress_password="under duress 123")
    monkeypatch.setenv("HAVEN_PASSWORD", "under duress 123")
    monkeypatch.setenv("HAVEN_OTP", current_code(personas.docofficer))
    with pytest.raises(CommandError, match="no incident"):
        call_command(
            "evidence",
            "export",
            "--user",
            "doc",
            "--incident",
            incident.reference,
            "--audience",
            "court",
            "--out",
            str(tmp_path / "d.zip"),
        )
    assert not (tmp_path / "d.zip").exists()
    assert Notification.objects.filter(kind="duress_login").exists()
    assert AuditEvent.objects.filter(action="login.duress").exists()


def test_a_victim_links_only_to_a_registry_report_the_user_can_open(
    personas, ring, incident
) -> None:  # type: ignore[no-untyped-def]
    from haven.missing.models import MissingPersonReport
    from haven.vault.actions import create_vault
    from haven.vault.models import Vault

    def report_in(vault):  # type: ignore[no-untyped-def]
        row = MissingPersonReport(vault=vault)
        keyring_for(personas.coordinator).open(vault).seal(row)
        row.save()
        return row

    coordinator = keyring_for(personas.coordinator)
    theirs = create_vault(
        actor=personas.coordinator,
        kind=Vault.Kind.REGISTRY,
        members=[personas.coordinator],
        keyring=coordinator,
    )
    with pytest.raises(EvidenceError, match="No missing-persons report"):
        actions.add_victim(
            keyring=ring,
            incident=incident,
            description="v",
            report_reference=report_in(theirs).reference,
        )
    shared = create_vault(
        actor=personas.coordinator,
        kind=Vault.Kind.REGISTRY,
        members=[personas.coordinator, personas.docofficer],
        keyring=coordinator,
    )
    report = report_in(shared)
    victim = actions.add_victim(
        keyring=keyring_for(personas.docofficer),
        incident=incident,
        description="v",
        report_reference=report.reference,
    )
    assert victim.link == "registry_report" and victim.registry_report_id == report.id


def test_a_pdf_gets_a_working_copy_without_its_metadata(ring, incident) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": "Хасан Абдулаев", "/Creator": "Scanner of MARKER-doc"})
    buffer = io.BytesIO()
    writer.write(buffer)
    data = buffer.getvalue()
    a = actions.capture_attachment(keyring=ring, incident=incident, name="statement.pdf", data=data)
    opened = ring.open(incident.vault)
    assert opened.unseal(a, "original") == data  # the original is untouched
    working = opened.unseal(a, "working_copy")
    assert working and b"MARKER-doc" not in working
    assert "Хасан".encode("utf-16-be") not in working and "Хасан".encode() not in working
    assert PdfReader(io.BytesIO(working)).metadata is None
    assert len(PdfReader(io.BytesIO(working)).pages) == 1


def test_a_publication_bundle_never_carries_unreviewed_text_or_pdf_files(ring, incident) -> None:  # type: ignore[no-untyped-def]
    actions.capture_attachment(
        keyring=ring, incident=incident, name="n.txt", data="Хасан Абдулаев видел всё.".encode()
    )
    built = build_bundle(keyring=ring, incident=incident, audience="publication")
    assert "not_reviewed" in {w["why"] for w in built.withheld}
    assert not any(name.endswith(".txt") for name in built.files)


def test_a_place_perpetrator_victim_or_source_added_by_mistake_can_be_removed(
    ring, incident
) -> None:  # type: ignore[no-untyped-def]
    from haven.audit.models import AuditEvent
    from haven.evidence.models import Place

    place = actions.add_place(keyring=ring, incident=incident, kind="other", name="Не то место")
    kept = actions.add_place(keyring=ring, incident=incident, kind="other", name="Верное место")
    actions.remove_part(keyring=ring, incident=incident, kind="place", part_id=place.id)
    assert kept in Place.objects.filter(incident=incident)
    assert not Place.objects.filter(pk=place.id).exists()
    assert AuditEvent.objects.filter(action="evidence.place_remove").exists()
    with pytest.raises(EvidenceError):
        actions.remove_part(keyring=ring, incident=incident, kind="place", part_id=place.id)
    with pytest.raises(EvidenceError):
        actions.remove_part(keyring=ring, incident=incident, kind="testimony", part_id=kept.id)
    assert Place.objects.filter(pk=kept.id).exists()


def test_officials_named_in_a_testimony_are_not_proposed_for_redaction_but_the_witness_is(
    ring, incident, tmp_path, settings
) -> None:  # type: ignore[no-untyped-def]
    """The redactor gets the shipped public-figures list and the installation's own file: a
    titled official stays in, whatever his title, and the witness and a private colonel go."""
    extra = tmp_path / "figures.txt"
    extra.write_text("# ours\nАслан Бисултанов\n", encoding="utf-8")
    settings.HAVEN_PUBLIC_FIGURES_FILE = str(extra)
    t = actions.add_testimony(
        keyring=ring,
        incident=incident,
        given_by="Салех Мусаев",
        given_on=datetime.date(2026, 4, 1),
        language="ru",
        text=(
            "Салеха Мусаева задержали по приказу президента Владимира Путина и главы республики "
            "Рамзана Кадырова; допрашивал полковник Иванов, рядом стоял Аслан Бисултанов."
        ),
        consent=["internal"],
        may_be_named=True,
    )
    originals = {p["original"] for p in actions.propose_redactions(keyring=ring, testimony=t)}
    joined = " ".join(originals)
    assert "Салеха" in joined and "Мусаева" in joined
    assert "Иванов" in joined
    for kept in ("Путина", "Кадырова", "Бисултанов", "президента", "полковник"):
        assert kept not in joined, kept

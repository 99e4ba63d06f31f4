"""PFIF 1.4: round trip, idempotent import, clear errors, nothing half-imported, hostile XML."""

from __future__ import annotations

import io
import os

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.cases.approvals import approve, request_approval
from haven.cases.models import ApprovalRequest
from haven.missing import actions, pfif
from haven.missing.models import MissingPersonReport, ReportLink, StatusNote
from haven.missing.pfif import PfifError
from haven.testing.personas import PASSWORD, current_code, keyring_for

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">'
TAIL = "</pfif:pfif>"


def person_xml(
    rid: str = "partner.example/p1", name: str = "Khasan Abdulayev", notes: str = "", **extra: str
) -> str:
    fields = {
        "person_record_id": rid,
        "entry_date": "2026-10-01T10:00:00Z",
        "author_name": "Partner desk",
        "source_date": "2026-10-01T09:00:00Z",
        "full_name": name,
        **extra,
    }
    body = "".join(f"<pfif:{k}>{v}</pfif:{k}>" for k, v in fields.items() if v is not None)
    return f"<pfif:person>{body}{notes}</pfif:person>"


def note_xml(
    rid: str, status: str = "believed_alive", text: str = "Seen at a checkpoint.", **extra: str
) -> str:
    fields = {
        "note_record_id": rid,
        "entry_date": "2026-10-02T10:00:00Z",
        "author_name": "Partner desk",
        "source_date": "2026-10-02T09:00:00Z",
        "status": status,
        "text": text,
        **extra,
    }
    body = "".join(f"<pfif:{k}>{v}</pfif:{k}>" for k, v in fields.items() if v is not None)
    return f"<pfif:note>{body}</pfif:note>"


def document(*persons: str) -> bytes:
    return (HEAD + "".join(persons) + TAIL).encode()


def _snapshot(ring):  # type: ignore[no-untyped-def]
    """Persons and notes as plaintext, keyed by record id (what a round trip must keep)."""
    fields = actions.REPORT_FIELDS
    persons = {}
    for r in ring.readers(ring.visible(MissingPersonReport.objects.select_related("vault"))):
        notes = sorted(
            (
                n.record.record_id,
                n.record.status,
                n.text or "",
                n.last_known_location,
                n.record.source_date.replace(microsecond=0),
            )
            for n in ring.readers(
                StatusNote.objects.filter(report=r.record).select_related("vault")
            )
        )
        persons[r.record.record_id] = (
            {f: getattr(r, f) for f in fields},
            r.record.status,
            r.record.source_kind,
            r.record.reliability,
            notes,
        )
    return persons


def _approved_export(personas, registry) -> None:  # type: ignore[no-untyped-def]
    row = request_approval(
        keyring=keyring_for(personas.coordinator),
        kind=ApprovalRequest.Kind.EXPORT_IDENTIFIED,
        vault=registry,
        target_user=None,
        reason="partner exchange",
    )
    approve(keyring=keyring_for(personas.coordinator2), approval=row)


@pytest.mark.django_db
def test_import_maps_statuses_keeps_record_ids_and_is_idempotent(doc_ring) -> None:  # type: ignore[no-untyped-def]
    data = document(
        person_xml(
            notes=note_xml("partner.example/n1")
            + note_xml(
                "partner.example/n2",
                status="",
                text="Taken at the border.",
            )
            .replace(
                "</pfif:text>",
                '</pfif:text><haven:status xmlns:haven="urn:x-haven:pfif-ext:1">forcibly_returned</haven:status>',
            )
            .replace("2026-10-02T09", "2026-10-05T09")
        ),
        person_xml(
            "partner.example/p2",
            "Лёма Дакаев",
            sex="male",
            date_of_birth="1990",
            alternate_names="Lyoma Dakaev\nЛема",
        ),
    )
    first = pfif.import_pfif(keyring=doc_ring, data=data)
    assert (first.persons_created, first.notes_created) == (2, 2)
    report = MissingPersonReport.objects.get(record_id="partner.example/p1")
    assert report.status == "forcibly_returned"  # the Haven extension wins, newest note
    lyoma = doc_ring.reader(MissingPersonReport.objects.get(record_id="partner.example/p2"))
    assert lyoma.alternate_names == ["Lyoma Dakaev", "Лема"] and lyoma.birth == {"year": 1990}
    again = pfif.import_pfif(keyring=doc_ring, data=data)
    assert (again.persons_created, again.notes_created) == (0, 0)
    assert (again.persons_existing, again.notes_existing) == (2, 2)
    assert MissingPersonReport.objects.count() == 2 and StatusNote.objects.count() == 2


@pytest.mark.django_db
def test_round_trip_export_then_import_into_an_empty_registry(
    personas, doc_ring, report, registry, django_db_blocker
) -> None:  # type: ignore[no-untyped-def]
    actions.add_note(keyring=doc_ring, report=report, status="detained", last_known_location="ИВС")
    actions.add_note(keyring=doc_ring, report=report, text="Адвокат не допущен.")
    other = actions.save_report(
        keyring=doc_ring,
        values={
            "full_name": "Khasan Abdulayev",
            "alternate_names": ["Hasan Abdulajew"],
            "sex": "male",
            "birth": {"age": "29-31"},
            "photo": b"\x89PNG fake bytes",
            "photo_meta": {"type": "image/png", "size": 15},
            "source": {"name": "Partner list", "date": "2026-10-01T09:00:00Z"},
        },
        source_kind="partner",
        reliability="possible",
    )
    actions.add_note(keyring=doc_ring, report=other, status="found_safe", text="Reached us.")
    actions.link_reports(keyring=doc_ring, report=report, other=other, reason="same mother")
    before = _snapshot(doc_ring)
    exported = pfif.export_pfif(keyring=doc_ring)
    assert b"http://zesty.ca/pfif/1.4" in exported
    # Empty the registry, then import what was exported.
    ReportLink.objects.all().delete()
    StatusNote.objects.all().delete()
    MissingPersonReport.objects.all().delete()
    result = pfif.import_pfif(keyring=doc_ring, data=exported)
    assert (result.persons_created, result.notes_created, result.links_created) == (2, 3, 1)
    after = _snapshot(doc_ring)
    for rid in before:
        for key in before[rid][0]:
            assert after[rid][0][key] == before[rid][0][key], (rid, key)
        assert after[rid][1:] == before[rid][1:], rid
    assert after == before
    link = ReportLink.objects.get()
    assert {link.report_a.record_id, link.report_b.record_id} == set(before)
    assert doc_ring.reader(link).reason == "same mother"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", ["empty"]),
        (b"<pfif:pfif", ["not valid XML"]),
        (b"<other/>", ["not PFIF 1.2, 1.3 or 1.4"]),
        (document(person_xml(full_name=None)), ["partner.example/p1", "full_name"]),
        (document(person_xml(rid="no-slash")), ["no-slash", "domain/local-id"]),
        (document(person_xml(entry_date="yesterday")), ["partner.example/p1", "entry_date"]),
        (document(person_xml(sex="unknown")), ["partner.example/p1", "sex"]),
        (
            document(person_xml(notes=note_xml("partner.example/n1", status="", text=None))),
            ["partner.example/n1", "text"],
        ),
        (
            document(person_xml(notes=note_xml("partner.example/n1", status="alive"))),
            ["partner.example/n1", "status"],
        ),
        (document(person_xml(), person_xml()), ["partner.example/p1", "twice"]),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">&a;</pfif:pfif>',
            ["refused"],
        ),
    ],
)
def test_bad_files_name_the_record_and_field_and_import_nothing(doc_ring, data, words) -> None:  # type: ignore[no-untyped-def]
    # A good person first: it must not be imported when a later one is bad.
    if data.startswith(HEAD.encode()):
        data = data.replace(
            HEAD.encode(), HEAD.encode() + person_xml("good.example/ok").encode(), 1
        )
    with pytest.raises(PfifError) as caught:
        pfif.import_pfif(keyring=doc_ring, data=data)
    for word in words:
        assert word in str(caught.value)
    assert not MissingPersonReport.objects.exists() and not StatusNote.objects.exists()


@pytest.mark.django_db
def test_a_failure_while_writing_rolls_everything_back(doc_ring) -> None:  # type: ignore[no-untyped-def]
    future = note_xml("partner.example/n9", source_date="2099-01-01T00:00:00Z")
    data = document(person_xml("good.example/ok"), person_xml(notes=future))
    with pytest.raises(PfifError) as caught:
        pfif.import_pfif(keyring=doc_ring, data=data)
    assert "partner.example/n9" in str(caught.value)
    assert not MissingPersonReport.objects.exists() and not StatusNote.objects.exists()


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    junk=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(lambda t: document(person_xml(name=t)) if t else b""),
        st.lists(
            st.sampled_from(
                [
                    person_xml(),
                    person_xml("x/y", "Иван"),
                    note_xml("a/b"),
                    "<pfif:person>",
                    "&amp;",
                    "<pfif:note/>",
                    person_xml(notes=note_xml("n/1", status="believed_missing")),
                    "\x00",
                    "<![CDATA[x]]>",
                ]
            ),
            max_size=5,
        ).map(lambda parts: (HEAD + "".join(parts) + TAIL).encode()),
    )
)
def test_fuzzed_files_give_a_clear_error_or_a_whole_import(doc_ring, junk) -> None:  # type: ignore[no-untyped-def]
    before = (MissingPersonReport.objects.count(), StatusNote.objects.count())
    try:
        result = pfif.import_pfif(keyring=doc_ring, data=junk)
    except PfifError as exc:
        assert str(exc)
        assert (MissingPersonReport.objects.count(), StatusNote.objects.count()) == before
    else:
        assert MissingPersonReport.objects.count() == before[0] + result.persons_created


@pytest.mark.django_db
def test_the_command_imports_and_an_export_needs_a_second_coordinator(
    personas, doc_ring, registry, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "in.xml"
    path.write_bytes(document(person_xml(notes=note_xml("partner.example/n1"))))
    monkeypatch.setenv("HAVEN_PASSWORD", PASSWORD)
    monkeypatch.setenv("HAVEN_OTP", current_code(personas.docofficer))
    out = io.StringIO()
    call_command("pfif", "import", str(path), "--user", personas.docofficer.username, stdout=out)
    assert "persons: 1 new" in out.getvalue()
    monkeypatch.setenv("HAVEN_OTP", current_code(personas.docofficer))
    call_command("pfif", "import", str(path), "--user", personas.docofficer.username, stdout=out)
    assert (
        "persons: 0 new, 0 updated, 1 already here" in out.getvalue()
        and MissingPersonReport.objects.count() == 1
    )
    # An export of identified data needs an approved request, and uses it up.
    monkeypatch.setenv("HAVEN_OTP", current_code(personas.coordinator))
    target = tmp_path / "out.xml"
    with pytest.raises(CommandError, match="second coordinator|вторым координатором"):
        call_command(
            "pfif", "export", "--user", personas.coordinator.username, "--output", str(target)
        )
    _approved_export(personas, registry)
    monkeypatch.setenv("HAVEN_OTP", current_code(personas.coordinator))
    call_command("pfif", "export", "--user", personas.coordinator.username, "--output", str(target))
    assert b"partner.example/p1" in target.read_bytes()
    monkeypatch.setenv("HAVEN_OTP", current_code(personas.coordinator))
    with pytest.raises(CommandError, match="second coordinator|вторым координатором"):
        call_command(
            "pfif", "export", "--user", personas.coordinator.username, "--output", str(target)
        )
    # Wrong code, bad file: one clear line, nothing imported.
    monkeypatch.setenv("HAVEN_OTP", "000000")
    with pytest.raises(CommandError, match="one-time code"):
        call_command("pfif", "import", str(path), "--user", personas.docofficer.username)
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<pfif")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("pfif", "import", str(bad), "--user", personas.docofficer.username)
    assert os.path.exists(target)

"""PFIF complete: 1.2 and 1.3 read by namespace, top-level notes, notes held until their person
arrives, expiry_date both ways, updates by entry_date, top-level export, the 1.4 structure."""

from __future__ import annotations

import datetime
import io
import re
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import translation

from haven.missing import actions, pfif
from haven.missing.models import HeldNote, MissingPersonReport, ReportLink, StatusNote
from haven.missing.pfif import PfifError
from haven.testing.personas import PASSWORD, current_code

NS = {v: f"http://zesty.ca/pfif/{v}" for v in ("1.2", "1.3", "1.4")}

# The PFIF 1.4 fields in the order http://zesty.ca/pfif/1.4 lists them, written out here rather
# than taken from haven.missing.pfif so that the structure check does not trust the code it checks.
SPEC_14_PERSON = """person_record_id entry_date expiry_date author_name author_email author_phone
source_name source_date source_url full_name given_name family_name alternate_names description
sex date_of_birth age home_street home_neighborhood home_city home_state home_postal_code
home_country photo_url profile_urls note""".split()
SPEC_14_NOTE = """note_record_id person_record_id linked_person_record_id entry_date author_name
author_email author_phone source_date author_made_contact status email_of_found_person
phone_of_found_person last_known_location text photo_url""".split()


def doc(version: str, body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<pfif:pfif xmlns:pfif="{NS[version]}">'
        f"{body}</pfif:pfif>"
    ).encode()


def el(name: str, value: str) -> str:
    return f"<pfif:{name}>{value}</pfif:{name}>"


def person(rid: str, version: str = "1.4", notes: str = "", **fields: str) -> str:
    base = {"person_record_id": rid, "entry_date": "2026-10-01T10:00:00Z"}
    if version == "1.2":
        base |= {"first_name": "Ruslan", "last_name": "Magomadov"}
    else:
        base |= {"source_date": "2026-10-01T09:00:00Z", "full_name": "Ruslan Magomadov"}
    base |= fields
    return (
        "<pfif:person>"
        + "".join(el(k, v) for k, v in base.items() if v is not None)
        + notes
        + "</pfif:person>"
    )


def note(rid: str, person_rid: str | None = None, **fields: str) -> str:
    base = {
        "note_record_id": rid,
        "person_record_id": person_rid,
        "entry_date": "2026-10-03T10:00:00Z",
        "author_name": "Partner desk",
        "source_date": "2026-10-03T09:00:00Z",
        "status": "believed_alive",
        "text": "Seen at the bus station.",
    } | fields
    return "<pfif:note>" + "".join(el(k, v) for k, v in base.items() if v) + "</pfif:note>"


def _notes_of(ring, rid: str) -> list[tuple[str, str, str, dict]]:  # type: ignore[no-untyped-def]
    report = MissingPersonReport.objects.get(record_id=rid)
    return sorted(
        (n.record.record_id, n.record.status, n.text or "", n.pfif_extra or {})
        for n in ring.readers(StatusNote.objects.filter(report=report).select_related("vault"))
    )


@pytest.mark.django_db
def test_a_pfif_1_3_file_with_top_level_notes_before_and_after_their_person(doc_ring) -> None:  # type: ignore[no-untyped-def]
    data = doc(
        "1.3",
        note("partner.example/n1", "partner.example/p1", found="true", text="Called his sister.")
        + person(
            "partner.example/p1",
            "1.3",
            first_name="Ruslan",
            last_name="Magomadov",
            other="description:\n    Tall, a scar on the chin.",
            home_street="ул. Мира",
            home_city="Грозный",
        )
        + note(
            "partner.example/n2",
            "partner.example/p1",
            status="believed_missing",
            email_of_found_person="r@example.org",
            source_date="2026-10-04T09:00:00Z",
        ),
    )
    result = pfif.import_pfif(keyring=doc_ring, data=data)
    assert result.version == "1.3"
    assert (result.persons_created, result.notes_created, result.notes_held) == (1, 2, 0)
    r = doc_ring.reader(MissingPersonReport.objects.get(record_id="partner.example/p1"))
    assert (r.given_name, r.family_name, r.full_name) == ("Ruslan", "Magomadov", "Ruslan Magomadov")
    assert r.description == "Tall, a scar on the chin."
    assert r.home_place == "ул. Мира, Грозный"
    assert _notes_of(doc_ring, "partner.example/p1") == [
        (
            "partner.example/n1",
            "believed_alive",
            "Called his sister.",
            {"author_made_contact": True},
        ),
        (
            "partner.example/n2",
            "information_sought",
            "Seen at the bus station.",
            {"email_of_found_person": "r@example.org"},
        ),
    ]
    assert r.record.status == "information_sought"  # the newer note by source date
    again = pfif.import_pfif(keyring=doc_ring, data=data)
    assert (again.persons_created, again.persons_existing, again.notes_existing) == (0, 1, 2)
    assert StatusNote.objects.count() == 2


@pytest.mark.django_db
def test_a_pfif_1_2_file_composes_the_full_name_and_requires_its_own_fields(doc_ring) -> None:  # type: ignore[no-untyped-def]
    result = pfif.import_pfif(
        keyring=doc_ring, data=doc("1.2", person("partner.example/p2", "1.2"))
    )
    assert result.version == "1.2" and result.persons_created == 1
    r = doc_ring.reader(MissingPersonReport.objects.get(record_id="partner.example/p2"))
    assert r.full_name == "Ruslan Magomadov"
    with pytest.raises(PfifError, match=r"partner.example/p3: the required field last_name"):
        pfif.import_pfif(
            keyring=doc_ring, data=doc("1.2", person("partner.example/p3", "1.2", last_name=""))
        )
    # A 1.4 field in a 1.2 file is not read, and the result says so.
    result = pfif.import_pfif(
        keyring=doc_ring,
        data=doc("1.2", person("partner.example/p4", "1.2", alternate_names="Руслан")),
    )
    assert result.ignored == {"person/alternate_names": 1}


@pytest.mark.django_db
def test_a_note_whose_person_is_not_here_is_held_sealed_until_the_person_arrives(doc_ring) -> None:  # type: ignore[no-untyped-def]
    first = pfif.import_pfif(
        keyring=doc_ring,
        data=doc("1.4", note("partner.example/n7", "partner.example/p7", text="Тайное место")),
    )
    assert (first.notes_held, first.notes_created) == (1, 0)
    held = HeldNote.objects.get()
    assert held.waiting_for == "partner.example/p7"
    assert "Тайное".encode() not in bytes(held.note)  # sealed
    assert not StatusNote.objects.exists()
    second = pfif.import_pfif(keyring=doc_ring, data=doc("1.4", person("partner.example/p7")))
    assert (second.persons_created, second.held_applied, second.notes_held) == (1, 1, 0)
    assert not HeldNote.objects.exists()
    assert [n[:3] for n in _notes_of(doc_ring, "partner.example/p7")] == [
        ("partner.example/n7", "believed_alive", "Тайное место")
    ]


@pytest.mark.django_db
@override_settings(HAVEN_PFIF_HOLD_DAYS=30)
def test_a_held_note_is_dropped_once_it_has_waited_too_long(doc_ring) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC), tick=False):
        pfif.import_pfif(
            keyring=doc_ring, data=doc("1.4", note("partner.example/n8", "partner.example/p8"))
        )
    assert HeldNote.objects.count() == 1
    with time_machine.travel(datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC), tick=False):
        result = pfif.import_pfif(keyring=doc_ring, data=doc("1.4", person("partner.example/p8")))
    assert (result.held_expired, result.held_applied) == (1, 0)
    assert not HeldNote.objects.exists() and not StatusNote.objects.exists()


@pytest.mark.django_db
def test_a_link_note_waits_for_the_other_person_then_links(doc_ring) -> None:  # type: ignore[no-untyped-def]
    link = note(
        "partner.example/l1",
        "partner.example/a",
        status="",
        linked_person_record_id="partner.example/b",
        text="Same mother, same village.",
    )
    first = pfif.import_pfif(keyring=doc_ring, data=doc("1.4", person("partner.example/a") + link))
    assert (first.notes_held, first.links_created) == (1, 0)
    assert HeldNote.objects.get().waiting_for == "partner.example/b"
    second = pfif.import_pfif(keyring=doc_ring, data=doc("1.4", person("partner.example/b")))
    assert (second.links_created, second.held_applied) == (1, 1)
    made = ReportLink.objects.get()
    assert {made.report_a.record_id, made.report_b.record_id} == {
        "partner.example/a",
        "partner.example/b",
    }
    assert doc_ring.reader(made).reason == "Same mother, same village."


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC), tick=False)
@override_settings(HAVEN_PFIF_EXPIRY_DAYS=30)
def test_expiry_date_an_expired_record_is_not_imported_and_an_export_never_outlives_it(
    doc_ring,
) -> None:  # type: ignore[no-untyped-def]
    data = doc(
        "1.4",
        person("partner.example/old", expiry_date="2026-11-30T00:00:00Z", notes=note("p/n1"))
        + person("partner.example/soon", expiry_date="2026-12-10T00:00:00Z")
        + person("partner.example/later", expiry_date="2027-06-01T00:00:00Z"),
    )
    result = pfif.import_pfif(keyring=doc_ring, data=data)
    assert (result.persons_expired, result.persons_created, result.notes_created) == (1, 2, 0)
    assert not MissingPersonReport.objects.filter(record_id="partner.example/old").exists()
    exported = pfif.export_pfif(keyring=doc_ring)
    root = SafeET.fromstring(exported)
    expiry = {
        p.findtext(f"{{{NS['1.4']}}}person_record_id"): p.findtext(f"{{{NS['1.4']}}}expiry_date")
        for p in root
    }
    # The partner's own limit when it is sooner; ours (30 days) otherwise.
    assert expiry == {
        "partner.example/soon": "2026-12-10T00:00:00Z",
        "partner.example/later": "2027-01-01T00:00:00Z",
    }
    with time_machine.travel(datetime.datetime(2026, 12, 11, tzinfo=datetime.UTC), tick=False):
        later = SafeET.fromstring(pfif.export_pfif(keyring=doc_ring))
    assert [p.findtext(f"{{{NS['1.4']}}}person_record_id") for p in later] == [
        "partner.example/later"
    ]


@pytest.mark.django_db
def test_a_newer_copy_updates_the_person_and_our_own_records_are_never_overwritten(
    doc_ring, report
) -> None:  # type: ignore[no-untyped-def]
    pfif.import_pfif(keyring=doc_ring, data=doc("1.4", person("partner.example/u1")))
    newer = person("partner.example/u1", entry_date="2026-11-01T10:00:00Z", full_name="Ruslan M.")
    result = pfif.import_pfif(keyring=doc_ring, data=doc("1.4", newer))
    assert (result.persons_updated, result.persons_created) == (1, 0)
    updated = MissingPersonReport.objects.get(record_id="partner.example/u1")
    assert doc_ring.reader(updated).full_name == "Ruslan M."
    assert MissingPersonReport.objects.filter(record_id="partner.example/u1").count() == 1
    # A partner's copy of our own report, however new, does not replace ours.
    ours = person(report.record_id, entry_date="2099-01-01T00:00:00Z", full_name="Someone else")
    result = pfif.import_pfif(keyring=doc_ring, data=doc("1.4", ours))
    assert (result.persons_existing, result.persons_updated) == (1, 0)
    assert doc_ring.reader(MissingPersonReport.objects.get(pk=report.pk)).family_name == "Абдулаев"


def _check_14_structure(data: bytes) -> tuple[list[ET.Element], list[ET.Element]]:
    """The document as PFIF 1.4 requires: the root, persons and notes, known fields only, in
    the specification's order, required fields present, dates in UTC. Returns the persons and
    every note."""
    p = f"{{{NS['1.4']}}}"
    root = SafeET.fromstring(data)
    assert root.tag == f"{p}pfif"
    persons, notes = [], []
    date = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    def ordered(element: ET.Element, spec: list[str]) -> None:
        names = [c.tag[len(p) :] for c in element if c.tag.startswith(p)]
        assert all(n in spec for n in names), names
        positions = [spec.index(n) for n in names]
        assert positions == sorted(positions), names
        for c in element:
            if c.tag[len(p) :] in ("entry_date", "source_date", "expiry_date"):
                assert date.match(c.text or ""), c.text

    for child in root:
        if child.tag == f"{p}person":
            persons.append(child)
            ordered(child, SPEC_14_PERSON)
            for name in ("person_record_id", "source_date", "full_name"):
                assert child.findtext(f"{p}{name}"), name
            nested = child.findall(f"{p}note")
            notes += nested
            for n in nested:
                assert n.findtext(f"{p}person_record_id") == child.findtext(f"{p}person_record_id")
        elif child.tag == f"{p}note":
            notes.append(child)
            assert child.findtext(f"{p}person_record_id")
        else:
            raise AssertionError(child.tag)
    for n in notes:
        ordered(n, SPEC_14_NOTE)
        for name in ("note_record_id", "author_name", "source_date"):
            assert n.findtext(f"{p}{name}"), name
    return persons, notes


@pytest.mark.django_db
def test_export_with_top_level_notes_is_valid_1_4_and_round_trips(doc_ring, report) -> None:  # type: ignore[no-untyped-def]
    pfif.import_pfif(
        keyring=doc_ring,
        data=doc(
            "1.3",
            person("partner.example/t1", "1.3", home_street="Lenina", home_city="Argun")
            + note("partner.example/t1-n", "partner.example/t1", found="false"),
        ),
    )
    actions.add_note(keyring=doc_ring, report=report, status="detained", text="В ИВС.")
    nested = pfif.export_pfif(keyring=doc_ring)
    top = pfif.export_pfif(keyring=doc_ring, notes="top-level")
    persons, notes = _check_14_structure(nested)
    assert len(persons) == 2 and len(notes) == 2
    persons, notes = _check_14_structure(top)
    assert len(persons) == 2 and len(notes) == 2
    p = f"{{{NS['1.4']}}}"
    assert not any(person.findall(f"{p}note") for person in persons)
    partner = next(x for x in persons if x.findtext(f"{p}person_record_id") == "partner.example/t1")
    assert (partner.findtext(f"{p}home_street"), partner.findtext(f"{p}home_city")) == (
        "Lenina",
        "Argun",
    )
    contact = next(n for n in notes if n.findtext(f"{p}note_record_id") == "partner.example/t1-n")
    assert contact.findtext(f"{p}author_made_contact") == "false"
    before = {
        rid: _notes_of(doc_ring, rid)
        for rid in MissingPersonReport.objects.values_list("record_id", flat=True)
    }
    StatusNote.objects.all().delete()
    MissingPersonReport.objects.all().delete()
    result = pfif.import_pfif(keyring=doc_ring, data=top)
    assert (result.persons_created, result.notes_created, result.notes_held) == (2, 2, 0)
    assert {
        rid: _notes_of(doc_ring, rid)
        for rid in MissingPersonReport.objects.values_list("record_id", flat=True)
    } == before


@pytest.mark.django_db
def test_a_top_level_note_must_name_its_person(doc_ring) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(
        PfifError, match="note partner.example/n9: the required field person_record_id"
    ):
        pfif.import_pfif(keyring=doc_ring, data=doc("1.4", note("partner.example/n9")))


@pytest.mark.django_db
def test_the_command_speaks_english_in_a_russian_installation_and_draws_a_progress_bar(
    personas, doc_ring, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.xml"
    bad.write_bytes(doc("1.3", person("partner.example/p1", "1.3", full_name="")))
    with translation.override("ru"), pytest.raises(CommandError) as caught:
        call_command("pfif", "import", str(bad), "--user", personas.docofficer.username)
    message = str(caught.value)
    assert "person partner.example/p1: the required field full_name is missing" in message
    assert "Nothing was imported" in message and not re.search("[а-яА-Я]", message)
    good = tmp_path / "good.xml"
    good.write_bytes(doc("1.3", "".join(person(f"partner.example/g{i}", "1.3") for i in range(12))))
    monkeypatch.setenv("HAVEN_PASSWORD", PASSWORD)
    monkeypatch.setenv("HAVEN_OTP", current_code(personas.docofficer))
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "pfif",
        "import",
        str(good),
        "--progress",
        "--user",
        personas.docofficer.username,
        stdout=out,
        stderr=err,
    )
    assert "PFIF 1.3: persons: 12 new" in out.getvalue()
    assert "importing [##############################] 100% 12/12 records" in err.getvalue()
    assert "checking " in err.getvalue()
    assert MissingPersonReport.objects.count() == 12


# PFIF 1.4's required fields (sections 4.1 and 4.2; the same as Google Person Finder's
# mandatory fields), and a top-level note's person_record_id, which ties it to its person.
# entry_date is not among them: the spec has the importing repository set it.
# The record is named by its id, or by its place in the file when the id is what is missing.
_REQUIRED_14 = [
    ("person", "person_record_id", "person #2", "человек №2"),
    ("person", "source_date", "person partner.example/p1", "partner.example/p1"),
    ("person", "full_name", "person partner.example/p1", "partner.example/p1"),
    ("note", "note_record_id", "a note", "заметка"),
    ("note", "person_record_id", "note partner.example/n1", "partner.example/n1"),
    ("note", "author_name", "note partner.example/n1", "partner.example/n1"),
    ("note", "source_date", "note partner.example/n1", "partner.example/n1"),
    ("note", "text", "note partner.example/n1", "partner.example/n1"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "field", "named", "named_ru"), _REQUIRED_14)
def test_a_pfif_1_4_record_without_a_required_field_is_refused_naming_it_in_english_and_russian(
    doc_ring, kind, field, named, named_ru
) -> None:  # type: ignore[no-untyped-def]
    blank = {field: ""}
    if kind == "person":
        body = person("partner.example/p1", **blank)
    else:
        body = person("partner.example/p1") + note(
            "partner.example/n1", "partner.example/p1", **blank
        )
    data = doc("1.4", person("partner.example/ok") + body)
    with pytest.raises(PfifError) as english:
        pfif.import_pfif(keyring=doc_ring, data=data)
    assert str(english.value) == f"{named}: the required field {field} is missing or empty."
    with translation.override("ru"), pytest.raises(PfifError) as russian:
        pfif.import_pfif(keyring=doc_ring, data=data)
    where, _sep, what = str(russian.value).partition(": ")
    assert what == f"обязательное поле {field} отсутствует или пусто."
    assert named_ru in where and re.search("[а-яА-Я]", where)
    assert not MissingPersonReport.objects.exists() and not StatusNote.objects.exists()


@pytest.mark.django_db
def test_a_pfif_1_4_note_with_a_status_and_our_stand_in_text_has_no_text(doc_ring) -> None:  # type: ignore[no-untyped-def]
    """A status-only note still carries a text in 1.4 (our export writes "-"), read as none."""
    data = doc(
        "1.4",
        person("partner.example/p1", notes=note("partner.example/n1", text=pfif.EMPTY_TEXT)),
    )
    pfif.import_pfif(keyring=doc_ring, data=data)
    assert _notes_of(doc_ring, "partner.example/p1")[0][2] == ""

"""PFIF 1.4 (People Finder Interchange Format) import and export.

Persons carry their notes. Our statuses map to PFIF's where PFIF has one; the exact Haven status
always travels in a ``haven:status`` extension element (namespace :data:`HAVEN_NS`), which other
PFIF systems ignore and a Haven import prefers. Record ids are ``domain/local-id``; an import keeps
them, so importing the same file again creates nothing new. A file is validated whole before
anything is written, and written in one transaction: an error names the record and the field,
and nothing is half-imported.

The XML is parsed with defusedxml (no entities, no external references: a file from a partner is
hostile input)."""

from __future__ import annotations

import base64
import binascii
import datetime
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.log import log_event
from haven.missing import actions, matching
from haven.missing.errors import MissingError
from haven.missing.models import MissingPersonReport, ReportLink, StatusNote

if TYPE_CHECKING:
    from haven.vault.keyring import Keyring

PFIF_NS = "http://zesty.ca/pfif/1.4"
HAVEN_NS = "urn:x-haven:pfif-ext:1"
P = f"{{{PFIF_NS}}}"
H = f"{{{HAVEN_NS}}}"

# Haven status -> PFIF 1.4 status ("" where PFIF has none: the extension element carries it).
TO_PFIF = {
    "information_sought": "information_sought",
    "in_hiding": "believed_alive",
    "detained": "",
    "forcibly_returned": "",
    "believed_alive": "believed_alive",
    "believed_dead": "believed_dead",
    "found_safe": "believed_alive",
    "found_dead": "believed_dead",
}
FROM_PFIF = {
    "information_sought": "information_sought",
    "believed_alive": "believed_alive",
    "believed_dead": "believed_dead",
    "believed_missing": "information_sought",
    "is_note_author": "found_safe",  # the person wrote the note themselves
    "": "",
}
PERSON_REQUIRED = ("person_record_id", "entry_date", "author_name", "source_date", "full_name")
NOTE_REQUIRED = ("note_record_id", "entry_date", "author_name", "source_date", "text")
MAX_TEXT = 20_000
# PFIF requires a note's text; a Haven note may carry only a status. Exported as this, read back
# as empty when the note has a Haven status.
EMPTY_TEXT = "-"
MAX_PHOTO = 5 * 1024 * 1024
_RECORD_ID = re.compile(r"^[A-Za-z0-9.\-]+(:\d+)?/\S{1,200}$")
HOME_PARTS = (
    "home_street",
    "home_neighborhood",
    "home_city",
    "home_state",
    "home_postal_code",
    "home_country",
)


class PfifError(MissingError):
    pass


@dataclass
class NoteIn:
    record_id: str
    entry_date: datetime.datetime
    source_date: datetime.datetime
    author_name: str
    text: str
    status: str
    last_known_location: str
    linked_record_id: str


@dataclass
class PersonIn:
    record_id: str
    entry_date: datetime.datetime
    values: dict[str, Any]
    source_kind: str
    reliability: str
    notes: list[NoteIn] = field(default_factory=list)


@dataclass
class ImportResult:
    persons_created: int = 0
    persons_existing: int = 0
    notes_created: int = 0
    notes_existing: int = 0
    links_created: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _fmt(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_date(text: str, where: str) -> datetime.datetime:
    try:
        value = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise PfifError(
            _("%(where)s: “%(value)s” is not a date and time like 2026-05-01T12:00:00Z.")
            % {"where": where, "value": text[:40]}
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value


def _text(el: ET.Element, name: str, ns: str = P) -> str:
    child = el.find(f"{ns}{name}")
    return (child.text or "").strip() if child is not None else ""


def _check_record_id(value: str, where: str) -> str:
    if not _RECORD_ID.match(value):
        raise PfifError(
            _("%(where)s: the record id “%(value)s” is not of the form domain/local-id.")
            % {"where": where, "value": value[:80]}
        )
    return value


def _required(el: ET.Element, names: tuple[str, ...], where: str) -> dict[str, str]:
    found = {name: _text(el, name) for name in names}
    for name in names:
        if not found[name]:
            raise PfifError(
                _("%(where)s: the required field %(field)s is missing or empty.")
                % {"where": where, "field": name}
            )
    return found


def _bounded(value: str, where: str, name: str) -> str:
    if len(value) > MAX_TEXT:
        raise PfifError(
            _("%(where)s: the field %(field)s is longer than %(max)s characters.")
            % {"where": where, "field": name, "max": MAX_TEXT}
        )
    return value


def _note(el: ET.Element, where: str, person_record_id: str) -> NoteIn:
    named = _text(el, "note_record_id")
    if named:
        where = _("note %(id)s") % {"id": named[:80]}
    req = _required(el, NOTE_REQUIRED, where)
    record_id = _check_record_id(req["note_record_id"], where)
    owner = _text(el, "person_record_id")
    if owner and owner != person_record_id:
        raise PfifError(
            _("%(where)s: person_record_id does not name the person it is inside.")
            % {"where": where}
        )
    pfif_status = _text(el, "status")
    if pfif_status not in FROM_PFIF:
        raise PfifError(
            _("%(where)s: “%(value)s” is not a PFIF 1.4 status.")
            % {"where": where, "value": pfif_status[:40]}
        )
    haven_status = _text(el, "status", H)
    if haven_status and haven_status not in MissingPersonReport.Status.values:
        raise PfifError(
            _("%(where)s: “%(value)s” is not a Haven status.")
            % {"where": where, "value": haven_status[:40]}
        )
    linked = _text(el, "linked_person_record_id")
    if linked:
        _check_record_id(linked, where)
    return NoteIn(
        record_id=record_id,
        entry_date=_parse_date(req["entry_date"], f"{where}, entry_date"),
        source_date=_parse_date(req["source_date"], f"{where}, source_date"),
        author_name=_bounded(req["author_name"], where, "author_name"),
        text=_bounded(req["text"], where, "text"),
        status=haven_status or FROM_PFIF[pfif_status],
        last_known_location=_bounded(
            _text(el, "last_known_location"), where, "last_known_location"
        ),
        linked_record_id=linked,
    )


def _birth(el: ET.Element, where: str) -> dict[str, Any] | None:
    dob = _text(el, "date_of_birth")
    if dob:
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", dob):
            raise PfifError(
                _("%(where)s: date_of_birth “%(value)s” is not YYYY, YYYY-MM or YYYY-MM-DD.")
                % {"where": where, "value": dob[:20]}
            )
        return {"date": dob} if len(dob) == 10 else {"year": int(dob[:4])}
    age = _text(el, "age")
    if age:
        if not re.fullmatch(r"\d{1,3}(-\d{1,3})?", age):
            raise PfifError(
                _("%(where)s: age “%(value)s” is not a number or a range like 30-35.")
                % {"where": where, "value": age[:20]}
            )
        return {"age": age}
    return None


def _person(el: ET.Element, index: int) -> PersonIn:
    named = _text(el, "person_record_id")
    where = _("person %(id)s") % {"id": named[:80]} if named else _("person #%(n)s") % {"n": index}
    req = _required(el, PERSON_REQUIRED, where)
    record_id = _check_record_id(req["person_record_id"], where)
    sex = _text(el, "sex")
    if sex not in ("", "female", "male", "other"):
        raise PfifError(
            _("%(where)s: sex must be female, male or other, not “%(value)s”.")
            % {"where": where, "value": sex[:20]}
        )
    last_seen_el = el.find(f"{H}last_seen")
    last_seen = None
    if last_seen_el is not None:
        last_seen = {
            k: _bounded(_text(last_seen_el, k, H), where, f"haven:last_seen/{k}")
            for k in ("place", "date", "with_whom", "circumstances")
        }
        last_seen = {k: v for k, v in last_seen.items() if v} or None
    # Required PFIF fields that a Haven export filled in only because PFIF requires them.
    filled = set(_text(el, "filled_in", H).split())
    reporter = {
        "name": "" if "author_name" in filled else req["author_name"],
        "contact": "\n".join(
            v for v in (_text(el, "author_email"), _text(el, "author_phone")) if v
        ),
        "relation": _text(el, "reporter_relation", H),
    }
    photo, photo_meta = None, None
    photo_el = el.find(f"{H}photo")
    if photo_el is not None and (photo_el.text or "").strip():
        try:
            photo = base64.b64decode((photo_el.text or "").strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise PfifError(
                _("%(where)s: the photo is not valid base64.") % {"where": where}
            ) from exc
        if len(photo) > MAX_PHOTO:
            raise PfifError(_("%(where)s: the photo is larger than 5 MB.") % {"where": where})
        photo_meta = {
            "type": photo_el.get("type", "application/octet-stream")[:100],
            "size": len(photo),
        }
    source_kind = _text(el, "source_kind", H) or MissingPersonReport.Source.OTHER
    reliability = _text(el, "reliability", H) or MissingPersonReport.Reliability.UNKNOWN
    if (
        source_kind not in MissingPersonReport.Source.values
        or reliability not in MissingPersonReport.Reliability.values
    ):
        raise PfifError(
            _("%(where)s: unknown Haven source kind or reliability.") % {"where": where}
        )
    home = ", ".join(v for v in (_text(el, k) for k in HOME_PARTS) if v)
    values = {
        "full_name": _bounded(req["full_name"], where, "full_name"),
        "given_name": _bounded(_text(el, "given_name"), where, "given_name"),
        "family_name": _bounded(_text(el, "family_name"), where, "family_name"),
        "patronymic": _bounded(_text(el, "patronymic", H), where, "haven:patronymic"),
        "alternate_names": [
            n.strip() for n in _text(el, "alternate_names").splitlines() if n.strip()
        ],
        "sex": sex,
        "birth": _birth(el, where),
        "home_place": _bounded(home, where, "home"),
        "description": _bounded(_text(el, "description"), where, "description"),
        "photo": photo,
        "photo_meta": photo_meta,
        "last_seen": last_seen,
        "reporter": {k: v for k, v in reporter.items() if v},
        "source": {
            k: v
            for k, v in {
                "name": "" if "source_name" in filled else _text(el, "source_name"),
                "url": _text(el, "source_url"),
                "date": "" if "source_date" in filled else req["source_date"],
            }.items()
            if v
        },
    }
    person = PersonIn(
        record_id=record_id,
        entry_date=_parse_date(req["entry_date"], f"{where}, entry_date"),
        values=values,
        source_kind=source_kind,
        reliability=reliability,
    )
    _parse_date(req["source_date"], f"{where}, source_date")
    for note_el in el.findall(f"{P}note"):
        person.notes.append(_note(note_el, where, record_id))
    return person


def parse(data: bytes) -> list[PersonIn]:
    """Validate a whole PFIF 1.4 document. Raises :class:`PfifError` naming record and field."""
    if not data.strip():
        raise PfifError(_("The file is empty."))
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise PfifError(
            _("The file uses XML features that are refused (entities or DTDs).")
        ) from exc
    except ET.ParseError as exc:
        raise PfifError(
            _("The file is not valid XML: %(error)s") % {"error": str(exc)[:200]}
        ) from exc
    if root.tag != f"{P}pfif":
        raise PfifError(
            _("The file is not PFIF 1.4: the root element must be pfif in the namespace %(ns)s.")
            % {"ns": PFIF_NS}
        )
    persons = [_person(el, i) for i, el in enumerate(root.findall(f"{P}person"), start=1)]
    seen: set[str] = set()
    for person in persons:
        for rid in [person.record_id, *(n.record_id for n in person.notes)]:
            if rid in seen:
                raise PfifError(_("The record id %(id)s appears twice.") % {"id": rid[:80]})
            seen.add(rid)
    if root.findall(f"{P}note"):
        raise PfifError(_("Notes must be inside their person: top-level notes are not supported."))
    return persons


def import_pfif(*, keyring: Keyring, data: bytes) -> ImportResult:
    """Import a PFIF document into the registry, all or nothing."""
    persons = parse(data)
    result = ImportResult()
    by_record: dict[str, MissingPersonReport] = {}
    with transaction.atomic():
        existing = {
            r.record_id: r
            for r in MissingPersonReport.objects.filter(
                record_id__in=[p.record_id for p in persons]
            )
        }
        existing_notes = set(
            StatusNote.objects.filter(
                record_id__in=[n.record_id for p in persons for n in p.notes]
            ).values_list("record_id", flat=True)
        )
        new_reports = []
        for person in persons:
            report = existing.get(person.record_id)
            if report is None:
                report = actions.save_report(
                    keyring=keyring,
                    values=person.values,
                    source_kind=person.source_kind,
                    reliability=person.reliability,
                    record_id=person.record_id,
                    entry_date=person.entry_date,
                    match=False,
                )
                new_reports.append(report)
                result.persons_created += 1
            else:
                result.persons_existing += 1
            by_record[person.record_id] = report
        for person in persons:
            report = by_record[person.record_id]
            for note in sorted(person.notes, key=lambda n: (n.source_date, n.entry_date)):
                if note.linked_record_id and not note.status:
                    result.links_created += _import_link(keyring, report, note)
                    continue
                if note.record_id in existing_notes:
                    result.notes_existing += 1
                    continue
                text = note.text
                if note.status and text == EMPTY_TEXT:
                    text = ""  # our own export's stand-in for a note with a status only
                try:
                    actions.add_note(
                        keyring=keyring,
                        report=report,
                        status=note.status,
                        text=text,
                        source_date=note.source_date,
                        entry_date=note.entry_date,
                        last_known_location=note.last_known_location,
                        author_name=note.author_name,
                        record_id=note.record_id,
                    )
                except MissingError as exc:
                    raise PfifError(
                        _("note %(id)s: %(error)s") % {"id": note.record_id[:80], "error": exc}
                    ) from exc
                result.notes_created += 1
        for report in new_reports:
            actions.suggest_for_report(keyring=keyring, report=report)
        log_event(
            actor=keyring.user,
            action="missing.pfif_import",
            object_type="registry",
            object_id=str(actions.registry_vault().pk),  # type: ignore[union-attr]
            data=result.as_dict(),
        )
    return result


def _import_link(keyring: Keyring, report: MissingPersonReport, note: NoteIn) -> int:
    other = MissingPersonReport.objects.filter(record_id=note.linked_record_id).first()
    if other is None or other.pk == report.pk:
        return 0
    if (
        actions.active_report_links(report)
        .filter(report_a__in=[report, other], report_b__in=[report, other])
        .exists()
    ):
        return 0
    actions.link_reports(keyring=keyring, report=report, other=other, reason=note.text)
    return 1


def _sub(parent: ET.Element, name: str, value: Any, ns: str = P) -> None:
    if value in (None, "", [], {}):
        return
    ET.SubElement(parent, f"{ns}{name}").text = str(value)


def export_pfif(*, keyring: Keyring) -> bytes:
    """Every report this keyring opens, with its notes and links, as PFIF 1.4."""
    ET.register_namespace("pfif", PFIF_NS)
    ET.register_namespace("haven", HAVEN_NS)
    root = ET.Element(f"{P}pfif")
    reports = keyring.visible(MissingPersonReport.objects.select_related("vault")).order_by(
        "entry_date", "pk"
    )
    domain = settings.HAVEN_PFIF_DOMAIN
    readers = keyring.readers(reports)
    record_ids = {r.record.pk: r.record.record_id for r in readers}
    links: dict[Any, list[ReportLink]] = {}
    for link in ReportLink.objects.filter(
        unlinked_at__isnull=True, report_a__in=reports
    ).select_related("vault"):
        links.setdefault(link.report_a_id, []).append(link)
    notes_of: dict[Any, list[Any]] = {}
    for n in keyring.readers(
        StatusNote.objects.filter(report__in=reports)
        .select_related("vault", "author")
        .order_by("source_date", "entry_date")
    ):
        notes_of.setdefault(n.record.report_id, []).append(n)
    count = 0
    for r in readers:
        report: MissingPersonReport = r.record
        el = ET.SubElement(root, f"{P}person")
        reporter = r.reporter or {}
        source = r.source or {}
        filled = [
            name
            for name, value in (
                ("author_name", reporter.get("name")),
                ("source_name", source.get("name")),
                ("source_date", source.get("date")),
            )
            if not value
        ]
        _sub(el, "person_record_id", report.record_id)
        _sub(el, "entry_date", _fmt(report.entry_date))
        _sub(el, "author_name", reporter.get("name") or domain)
        contact = reporter.get("contact") or ""
        if "@" in contact.split("\n")[0]:
            _sub(el, "author_email", contact.split("\n")[0])
            _sub(el, "author_phone", "\n".join(contact.split("\n")[1:]))
        else:
            _sub(el, "author_phone", contact)
        _sub(el, "source_name", source.get("name") or domain)
        _sub(el, "source_date", source.get("date") or _fmt(report.entry_date))
        _sub(el, "source_url", source.get("url"))
        _sub(
            el,
            "full_name",
            r.full_name or " ".join(matching.report_names(r)[:1]) or report.reference,
        )
        _sub(el, "given_name", r.given_name)
        _sub(el, "family_name", r.family_name)
        _sub(el, "alternate_names", "\n".join(r.alternate_names or []))
        _sub(el, "description", r.description)
        _sub(el, "sex", r.sex)
        birth = r.birth or {}
        if birth.get("date"):
            _sub(el, "date_of_birth", birth["date"])
        elif birth.get("year"):
            _sub(el, "date_of_birth", birth["year"])
        elif birth.get("age"):
            _sub(el, "age", birth["age"])
        _sub(el, "home_city", r.home_place)
        _sub(el, "patronymic", r.patronymic, H)
        _sub(el, "filled_in", " ".join(filled), H)
        _sub(el, "source_kind", report.source_kind, H)
        _sub(el, "reliability", report.reliability, H)
        _sub(el, "reporter_relation", reporter.get("relation"), H)
        if r.last_seen:
            seen = ET.SubElement(el, f"{H}last_seen")
            for key in ("place", "date", "with_whom", "circumstances"):
                _sub(seen, key, r.last_seen.get(key), H)
        if r.photo:
            photo = ET.SubElement(el, f"{H}photo")
            photo.set("type", (r.photo_meta or {}).get("type", "application/octet-stream"))
            photo.text = base64.b64encode(r.photo).decode()
        notes = notes_of.get(report.pk, [])
        for n in notes:
            note: StatusNote = n.record
            nel = ET.SubElement(el, f"{P}note")
            _sub(nel, "note_record_id", note.record_id)
            _sub(nel, "person_record_id", report.record_id)
            _sub(nel, "entry_date", _fmt(note.entry_date))
            _sub(nel, "author_name", n.author_name or domain)
            _sub(nel, "source_date", _fmt(note.source_date))
            _sub(nel, "status", TO_PFIF.get(note.status, ""))
            _sub(nel, "last_known_location", n.last_known_location)
            _sub(nel, "text", n.text or EMPTY_TEXT)
            _sub(nel, "status", note.status, H)
        for link in links.get(report.pk, []):
            other_id = record_ids.get(link.report_b_id)
            if other_id is None:
                continue
            nel = ET.SubElement(el, f"{P}note")
            _sub(nel, "note_record_id", f"{domain}/link.{link.id}")
            _sub(nel, "person_record_id", report.record_id)
            _sub(nel, "linked_person_record_id", other_id)
            _sub(nel, "entry_date", _fmt(link.linked_at))
            _sub(nel, "author_name", domain)
            _sub(nel, "source_date", _fmt(link.linked_at))
            _sub(nel, "text", keyring.reader(link).reason or "-")
        count += 1
    registry = actions.registry_vault()
    with transaction.atomic():
        log_event(
            actor=keyring.user,
            action="missing.pfif_export",
            object_type="registry",
            object_id=str(registry.pk) if registry else "-",
            data={"persons": count},
        )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def now_utc() -> str:
    return _fmt(timezone.now())

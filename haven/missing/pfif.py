"""PFIF (People Finder Interchange Format) 1.2, 1.3 and 1.4: import and export.

The version is read from the root element's namespace; each version's person and note fields
(:data:`PERSON_FIELDS`, :data:`NOTE_FIELDS`) and required fields (:data:`PERSON_REQUIRED`,
:data:`NOTE_REQUIRED`) are as the specifications at http://zesty.ca/pfif/ give them. Fields
renamed in 1.4 are read under their old names from older files (first_name → given_name,
last_name → family_name, other → description, found → author_made_contact). Export writes 1.4.

Notes may stand inside their person or at the top level (linked by ``person_record_id``, as note
feeds deliver them). A note whose person is neither in the file nor in the registry is held
sealed (:class:`~haven.missing.models.HeldNote`) until an import brings that person, for at most
``HAVEN_PFIF_HOLD_DAYS``. A person whose ``expiry_date`` has passed is not imported; an export
sets each person's ``expiry_date`` from ``HAVEN_PFIF_EXPIRY_DAYS``.

Our statuses map to PFIF's where PFIF has one; the exact Haven status always travels in a
``haven:status`` extension element (namespace :data:`HAVEN_NS`), which other PFIF systems ignore
and a Haven import prefers. Record ids are ``domain/local-id``; an import keeps them, so
importing the same file again creates nothing new (a person whose ``entry_date`` is later than
the copy here updates it; our own records are never overwritten by a partner's copy).

A file is read as a stream (bounded memory: one person at a time, the tree cleared behind it) in
two passes: the first validates the whole file and writes nothing, the second writes it in one
transaction, so an error names the record and the field and nothing is half-imported. The XML
is parsed with defusedxml with DTDs refused (no entities, no external references: a file from a
partner is hostile input)."""

from __future__ import annotations

import base64
import binascii
import datetime
import functools
import hashlib
import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.log import log_event, log_events
from haven.missing import actions, matching
from haven.missing.errors import MissingError
from haven.missing.models import HeldNote, MissingPersonReport, ReportLink, StatusNote
from haven.vault import blind_index

if TYPE_CHECKING:
    from haven.vault.keyring import Keyring

PFIF_NS = "http://zesty.ca/pfif/1.4"
VERSIONS = {
    "http://zesty.ca/pfif/1.2": "1.2",
    "http://zesty.ca/pfif/1.3": "1.3",
    "http://zesty.ca/pfif/1.4": "1.4",
}
HAVEN_NS = "urn:x-haven:pfif-ext:1"
P = f"{{{PFIF_NS}}}"
H = f"{{{HAVEN_NS}}}"

HOME_PARTS = (
    "home_street",
    "home_neighborhood",
    "home_city",
    "home_state",
    "home_postal_code",
    "home_country",
)
_PERSON_12 = (
    "person_record_id",
    "entry_date",
    "author_name",
    "author_email",
    "author_phone",
    "source_name",
    "source_date",
    "source_url",
    "first_name",
    "last_name",
    "sex",
    "date_of_birth",
    "age",
    *HOME_PARTS,
    "photo_url",
    "other",
)
_NOTE_12 = (
    "note_record_id",
    "person_record_id",
    "linked_person_record_id",
    "entry_date",
    "author_name",
    "author_email",
    "author_phone",
    "source_date",
    "found",
    "status",
    "email_of_found_person",
    "phone_of_found_person",
    "last_known_location",
    "text",
)
# Every version's fields, in the order the specification lists them (an export keeps it).
PERSON_FIELDS: dict[str, tuple[str, ...]] = {
    "1.2": _PERSON_12,
    "1.3": (*_PERSON_12[:2], "expiry_date", *_PERSON_12[2:8], "full_name", *_PERSON_12[8:]),
    "1.4": (
        "person_record_id",
        "entry_date",
        "expiry_date",
        "author_name",
        "author_email",
        "author_phone",
        "source_name",
        "source_date",
        "source_url",
        "full_name",
        "given_name",
        "family_name",
        "alternate_names",
        "description",
        "sex",
        "date_of_birth",
        "age",
        *HOME_PARTS,
        "photo_url",
        "profile_urls",
    ),
}
NOTE_FIELDS: dict[str, tuple[str, ...]] = {
    "1.2": _NOTE_12,
    "1.3": _NOTE_12,
    "1.4": (
        *_NOTE_12[:8],
        "author_made_contact",
        *_NOTE_12[9:],
        "photo_url",
    ),
}
PERSON_REQUIRED: dict[str, tuple[str, ...]] = {
    "1.2": ("person_record_id", "first_name", "last_name"),
    "1.3": ("person_record_id", "source_date", "full_name"),
    "1.4": ("person_record_id", "source_date", "full_name"),
}
# PFIF 1.4 still requires a note's text (section 4.2; Google Person Finder's pfif.py, the
# reference implementation, lists the same mandatory fields). Our export writes "-" for a note
# that has a status only (EMPTY_TEXT), read back as no text.
NOTE_REQUIRED: dict[str, tuple[str, ...]] = {
    "1.2": ("note_record_id", "author_name", "source_date", "text"),
    "1.3": ("note_record_id", "author_name", "source_date", "text"),
    "1.4": ("note_record_id", "author_name", "source_date", "text"),
}
# Note fields kept sealed in StatusNote.pfif_extra (Haven has no column of its own for them).
NOTE_EXTRA = (
    "author_email",
    "author_phone",
    "author_made_contact",
    "email_of_found_person",
    "phone_of_found_person",
    "photo_url",
)

# Haven status -> PFIF status ("" where PFIF has none: the extension element carries it).
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
MAX_TEXT = 20_000
# Our export's stand-in text for a note that carries only a status (PFIF 1.2 and 1.3 require a
# text; read back as empty when the note has a status).
EMPTY_TEXT = "-"
MAX_PHOTO = 5 * 1024 * 1024
_RECORD_ID = re.compile(r"^[A-Za-z0-9.\-]+(:\d+)?/\S{1,200}$")
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BOOLEAN = {"true": True, "1": True, "false": False, "0": False}

Progress = Callable[[str, int, int], None]
# Read once: an enum's .values builds a new list on every call (measured: 10% of a check).
_STATUSES = frozenset(MissingPersonReport.Status.values)
_SOURCES = frozenset(MissingPersonReport.Source.values)
_RELIABILITIES = frozenset(MissingPersonReport.Reliability.values)


class _Where:
    """The record an error names, translated only when an error is written (a check of
    100,000 records would otherwise format 200,000 messages it never shows)."""

    def __init__(self, build: Callable[[], str]) -> None:
        self.build = build

    def __str__(self) -> str:
        return self.build()


class PfifError(MissingError):
    pass


@dataclass
class NoteIn:
    record_id: str
    person_record_id: str
    entry_date: datetime.datetime
    source_date: datetime.datetime
    author_name: str
    text: str
    status: str
    last_known_location: str
    linked_record_id: str
    extra: dict[str, Any] = field(default_factory=dict)

    def as_held(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["entry_date"] = self.entry_date.isoformat()
        data["source_date"] = self.source_date.isoformat()
        return data

    @classmethod
    def from_held(cls, data: dict[str, Any]) -> NoteIn:
        data = dict(data)
        data["entry_date"] = datetime.datetime.fromisoformat(data["entry_date"])
        data["source_date"] = datetime.datetime.fromisoformat(data["source_date"])
        return cls(**data)


@dataclass
class PersonIn:
    record_id: str
    entry_date: datetime.datetime
    expiry_date: datetime.datetime | None
    values: dict[str, Any]
    source_kind: str
    reliability: str
    notes: list[NoteIn] = field(default_factory=list)


@dataclass
class Checked:
    """What the validating pass found: the version and how many records of each kind."""

    version: str = ""
    persons: int = 0
    notes: int = 0
    top_level_notes: int = 0
    ignored: dict[str, int] = field(default_factory=dict)

    @property
    def records(self) -> int:
        return self.persons + self.top_level_notes


@dataclass
class ImportResult:
    version: str = ""
    persons_created: int = 0
    persons_updated: int = 0
    persons_existing: int = 0
    persons_expired: int = 0
    notes_created: int = 0
    notes_existing: int = 0
    notes_held: int = 0
    held_applied: int = 0
    held_expired: int = 0
    links_created: int = 0
    ignored: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# ---- reading ------------------------------------------------------------------------------------


def _fmt(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_date(text: str, where: Any, name: str) -> datetime.datetime:
    try:
        value = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise PfifError(
            _("%(where)s, %(field)s: “%(value)s” is not a date and time like 2026-05-01T12:00:00Z.")
            % {"where": where, "field": name, "value": text[:40]}
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value


class _Record:
    """One person or note element: its PFIF fields by name (in this file's version), checked."""

    def __init__(self, el: ET.Element, ns: str, version: str, kind: str, checked: Checked):
        self.el = el
        self.ns = ns
        self.version = version
        known = PERSON_FIELDS[version] if kind == "person" else NOTE_FIELDS[version]
        self.values: dict[str, str] = {}
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if not tag.startswith(ns):
                continue  # another namespace (haven: extensions are read by name)
            name = tag[len(ns) :]
            if name in known:
                self.values[name] = (child.text or "").strip()
            elif name != "note":
                key = f"{kind}/{name}"
                checked.ignored[key] = checked.ignored.get(key, 0) + 1

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def ext(self, name: str, el: ET.Element | None = None) -> str:
        child = (self.el if el is None else el).find(f"{H}{name}")
        return (child.text or "").strip() if child is not None else ""

    def required(self, names: tuple[str, ...], where: Any) -> None:
        for name in names:
            if not self.get(name):
                raise PfifError(
                    _("%(where)s: the required field %(field)s is missing or empty.")
                    % {"where": where, "field": name}
                )

    def bounded(self, value: str, where: Any, name: str) -> str:
        if len(value) > MAX_TEXT:
            raise PfifError(
                _("%(where)s: the field %(field)s is longer than %(max)s characters.")
                % {"where": where, "field": name, "max": MAX_TEXT}
            )
        return value

    def text(self, name: str, where: Any) -> str:
        return self.bounded(self.get(name), where, name)


def _check_record_id(value: str, where: Any, name: str) -> str:
    if not _RECORD_ID.match(value):
        raise PfifError(
            _("%(where)s, %(field)s: the record id “%(value)s” is not of the form domain/local-id.")
            % {"where": where, "field": name, "value": value[:80]}
        )
    return value


def _note(rec: _Record, person_record_id: str, top_level: bool) -> NoteIn:
    named = rec.get("note_record_id")

    def name_it() -> str:
        if person_record_id:
            return _("note %(id)s of person %(person)s") % {
                "id": named[:80] or "?",
                "person": person_record_id[:80],
            }
        return _("note %(id)s") % {"id": named[:80]} if named else _("a note")

    where: Any = _Where(name_it)
    required = NOTE_REQUIRED[rec.version]
    if top_level:
        required = (*required, "person_record_id")
    rec.required(required, where)
    record_id = _check_record_id(rec.get("note_record_id"), where, "note_record_id")
    owner = rec.get("person_record_id")
    if owner:
        _check_record_id(owner, where, "person_record_id")
    if owner and person_record_id and owner != person_record_id:
        raise PfifError(
            _("%(where)s, person_record_id: it does not name the person it is inside.")
            % {"where": where}
        )
    pfif_status = rec.get("status")
    if pfif_status not in FROM_PFIF:
        raise PfifError(
            _("%(where)s, status: “%(value)s” is not a PFIF status.")
            % {"where": where, "value": pfif_status[:40]}
        )
    haven_status = rec.ext("status")
    if haven_status and haven_status not in _STATUSES:
        raise PfifError(
            _("%(where)s, haven:status: “%(value)s” is not a Haven status.")
            % {"where": where, "value": haven_status[:40]}
        )
    linked = rec.get("linked_person_record_id")
    if linked:
        _check_record_id(linked, where, "linked_person_record_id")
    extra: dict[str, Any] = {}
    contact_name = "author_made_contact" if rec.version == "1.4" else "found"
    contact = rec.get(contact_name)
    if contact:
        if contact.lower() not in _BOOLEAN:
            raise PfifError(
                _("%(where)s, %(field)s: “%(value)s” is not true or false.")
                % {"where": where, "field": contact_name, "value": contact[:20]}
            )
        extra["author_made_contact"] = _BOOLEAN[contact.lower()]
    for name in NOTE_EXTRA:
        if name != "author_made_contact" and rec.get(name):
            extra[name] = rec.text(name, where)
    status = haven_status or FROM_PFIF[pfif_status]
    text = rec.text("text", where)
    if status and text == EMPTY_TEXT:
        text = ""  # our own export's stand-in for a note with a status only
    if not status and not text and not linked:
        raise PfifError(_("%(where)s, text: a note needs a text or a status.") % {"where": where})
    entry = rec.get("entry_date")
    return NoteIn(
        record_id=record_id,
        person_record_id=person_record_id or owner,
        entry_date=_parse_date(entry, where, "entry_date") if entry else timezone.now(),
        source_date=_parse_date(rec.get("source_date"), where, "source_date"),
        author_name=rec.text("author_name", where),
        text=text,
        status=status,
        last_known_location=rec.text("last_known_location", where),
        linked_record_id=linked,
        extra=extra,
    )


def _birth(rec: _Record, where: Any) -> dict[str, Any] | None:
    dob = rec.get("date_of_birth")
    if dob:
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", dob):
            raise PfifError(
                _("%(where)s, date_of_birth: “%(value)s” is not YYYY, YYYY-MM or YYYY-MM-DD.")
                % {"where": where, "value": dob[:20]}
            )
        return {"date": dob} if len(dob) == 10 else {"year": int(dob[:4])}
    age = rec.get("age")
    if age:
        if not re.fullmatch(r"\d{1,3}(-\d{1,3})?", age):
            raise PfifError(
                _("%(where)s, age: “%(value)s” is not a number or a range like 30-35.")
                % {"where": where, "value": age[:20]}
            )
        return {"age": age}
    return None


def _description(rec: _Record, where: Any) -> str:
    if rec.version == "1.4":
        return rec.text("description", where)
    other = rec.text("other", where)
    # PFIF 1.3 and earlier carry the description in "other", by convention under a
    # "description:" label; other labelled lines are kept as they are.
    if other.startswith("description:") and not re.search(r"^\S+:", other[12:], re.M):
        return "\n".join(line.strip() for line in other[12:].strip().splitlines())
    return other


def _person(rec: _Record, index: int, checked: Checked) -> PersonIn:
    named = rec.get("person_record_id")
    where: Any = _Where(
        lambda: (
            _("person %(id)s") % {"id": named[:80]} if named else _("person #%(n)s") % {"n": index}
        )
    )
    rec.required(PERSON_REQUIRED[rec.version], where)
    record_id = _check_record_id(named, where, "person_record_id")
    sex = rec.get("sex")
    if sex not in ("", "female", "male", "other"):
        raise PfifError(
            _("%(where)s, sex: it must be female, male or other, not “%(value)s”.")
            % {"where": where, "value": sex[:20]}
        )
    last_seen_el = rec.el.find(f"{H}last_seen")
    last_seen = None
    if last_seen_el is not None:
        last_seen = {
            k: rec.bounded(rec.ext(k, last_seen_el), where, f"haven:last_seen/{k}")
            for k in ("place", "date", "with_whom", "circumstances")
        }
        last_seen = {k: v for k, v in last_seen.items() if v} or None
    # Required PFIF fields that a Haven export filled in only because PFIF requires them.
    filled = set(rec.ext("filled_in").split())
    reporter = {
        "name": "" if "author_name" in filled else rec.text("author_name", where),
        "contact": "\n".join(v for v in (rec.get("author_email"), rec.get("author_phone")) if v),
        "relation": rec.ext("reporter_relation"),
    }
    photo, photo_meta = None, None
    photo_el = rec.el.find(f"{H}photo")
    if photo_el is not None and (photo_el.text or "").strip():
        try:
            photo = base64.b64decode((photo_el.text or "").strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise PfifError(
                _("%(where)s, haven:photo: it is not valid base64.") % {"where": where}
            ) from exc
        if len(photo) > MAX_PHOTO:
            raise PfifError(_("%(where)s, haven:photo: it is larger than 5 MB.") % {"where": where})
        photo_meta = {
            "type": photo_el.get("type", "application/octet-stream")[:100],
            "size": len(photo),
        }
    source_kind = rec.ext("source_kind") or MissingPersonReport.Source.OTHER
    reliability = rec.ext("reliability") or MissingPersonReport.Reliability.UNKNOWN
    if source_kind not in _SOURCES:
        raise PfifError(
            _("%(where)s, haven:source_kind: “%(value)s” is not a Haven source kind.")
            % {"where": where, "value": source_kind[:40]}
        )
    if reliability not in _RELIABILITIES:
        raise PfifError(
            _("%(where)s, haven:reliability: “%(value)s” is not a Haven reliability.")
            % {"where": where, "value": reliability[:40]}
        )
    home = {k: rec.text(k, where) for k in HOME_PARTS if rec.get(k)}
    extra: dict[str, Any] = {}
    if len(home) > 1 or (home and "home_city" not in home):
        extra["home"] = home  # the parts, so that an export gives the same fields back
    for name in ("photo_url", "profile_urls"):
        if rec.get(name):
            extra[name] = rec.text(name, where)
    old = rec.version != "1.4"
    given = rec.text("first_name" if old else "given_name", where)
    family = rec.text("last_name" if old else "family_name", where)
    full = rec.text("full_name", where) if rec.version != "1.2" else ""
    if rec.version == "1.2":
        full = " ".join(p for p in (given, family) if p)
    expiry_text = rec.get("expiry_date")
    expiry = _parse_date(expiry_text, where, "expiry_date") if expiry_text else None
    if expiry is not None and not record_id.startswith(f"{settings.HAVEN_PFIF_DOMAIN}/"):
        # The other repository's limit, kept so that our exports never outlive it. Our own
        # records coming back carry the limit we set from our retention: not kept.
        extra["expiry_date"] = _fmt(expiry)
    source_date = rec.get("source_date")
    if source_date:
        _parse_date(source_date, where, "source_date")
    values = {
        "full_name": full,
        "given_name": given,
        "family_name": family,
        "patronymic": rec.bounded(rec.ext("patronymic"), where, "haven:patronymic"),
        "alternate_names": [
            n.strip() for n in rec.text("alternate_names", where).splitlines() if n.strip()
        ],
        "sex": sex,
        "birth": _birth(rec, where),
        "home_place": ", ".join(home.values()),
        "description": _description(rec, where),
        "photo": photo,
        "photo_meta": photo_meta,
        "last_seen": last_seen,
        "reporter": {k: v for k, v in reporter.items() if v},
        "source": {
            k: v
            for k, v in {
                "name": "" if "source_name" in filled else rec.text("source_name", where),
                "url": rec.text("source_url", where),
                "date": "" if "source_date" in filled else source_date,
            }.items()
            if v
        },
        "pfif_extra": extra or None,
    }
    entry = rec.get("entry_date")
    person = PersonIn(
        record_id=record_id,
        entry_date=_parse_date(entry, where, "entry_date") if entry else timezone.now(),
        expiry_date=expiry,
        values=values,
        source_kind=source_kind,
        reliability=reliability,
    )
    for note_el in rec.el.findall(f"{rec.ns}note"):
        note_rec = _Record(note_el, rec.ns, rec.version, "note", checked)
        person.notes.append(_note(note_rec, record_id, top_level=False))
    return person


def _read_error(exc: Exception) -> PfifError:
    if isinstance(exc, DefusedXmlException):
        return PfifError(_("The file uses XML features that are refused (entities or DTDs)."))
    return PfifError(_("The file is not valid XML: %(error)s") % {"error": str(exc)[:200]})


def iter_records(stream: IO[bytes], checked: Checked) -> Iterator[PersonIn | NoteIn]:
    """Persons (with their nested notes) and top-level notes, one at a time, in file order.

    Memory stays bounded by the largest single record: each top-level element is cleared from
    the tree once read. Raises :class:`PfifError` naming the record and the field."""
    try:
        events = SafeET.iterparse(stream, events=("start", "end"), forbid_dtd=True)
        depth = 0
        root: ET.Element | None = None
        ns = ""
        persons = 0
        for event, el in events:
            if event == "start":
                depth += 1
                if depth == 1:
                    root = el
                    ns, _sep, local = (
                        el.tag[1:].partition("}") if el.tag[:1] == "{" else ("", "", "")
                    )
                    if local != "pfif" or ns not in VERSIONS:
                        raise PfifError(
                            _(
                                "The file is not PFIF 1.2, 1.3 or 1.4: the root element must be "
                                "pfif in the namespace http://zesty.ca/pfif/1.4 (or 1.3, 1.2)."
                            )
                        )
                    checked.version = VERSIONS[ns]
                    ns = f"{{{ns}}}"
                continue
            depth -= 1
            if depth != 1:
                continue
            assert root is not None
            if el.tag == f"{ns}person":
                persons += 1
                yield _person(_Record(el, ns, checked.version, "person", checked), persons, checked)
            elif el.tag == f"{ns}note":
                yield _note(_Record(el, ns, checked.version, "note", checked), "", top_level=True)
            root.clear()  # the records read so far: bounded memory
    except (DefusedXmlException, ET.ParseError) as exc:
        raise _read_error(exc) from exc
    if not checked.version:
        raise PfifError(_("The file is empty."))


def _digest(record_id: str) -> bytes:
    return hashlib.blake2b(record_id.encode(), digest_size=12).digest()


def check(stream: IO[bytes], progress: Progress | None = None, total: int = 0) -> Checked:
    """Validate a whole PFIF 1.2–1.4 document without writing anything. Raises
    :class:`PfifError` naming the record and the field. Record ids are remembered as 12-byte
    digests (to refuse a record id that appears twice): about 90 bytes per record."""
    checked = Checked()
    seen: set[bytes] = set()
    for record in iter_records(stream, checked):
        if isinstance(record, PersonIn):
            checked.persons += 1
            ids = [record.record_id, *(n.record_id for n in record.notes)]
            checked.notes += len(record.notes)
        else:
            checked.top_level_notes += 1
            checked.notes += 1
            ids = [record.record_id]
        for rid in ids:
            digest = _digest(rid)
            if digest in seen:
                raise PfifError(_("The record id %(id)s appears twice.") % {"id": rid[:80]})
            seen.add(digest)
        if progress is not None:
            progress("check", stream.tell() if total else checked.records, total)
    return checked


def parse(data: bytes) -> Checked:
    """Validate a PFIF document held in memory (see :func:`check`)."""
    if not data.strip():
        raise PfifError(_("The file is empty."))
    return check(io.BytesIO(data))


# ---- importing ----------------------------------------------------------------------------------


# Records written between two audit writes and two look-ups of what is already here. Memory is
# bounded by the batch (its records, their reports, the index values of their name tokens).
BATCH = 200


class _Importer:
    """The writing pass. The registry and the search index are opened once per import; what is
    already here (reports, notes, held notes of a batch's record ids) is read once per batch of
    :data:`BATCH` records, and the batch's audit events (one per record written, as when the
    registry is edited by hand) are written together, in the import's transaction."""

    def __init__(self, keyring: Keyring, result: ImportResult) -> None:
        self.keyring = keyring
        self.result = result
        self.now = timezone.now()
        vault = actions.registry_vault()
        if vault is None or not keyring.can_open(vault):
            raise PfifError(_("You do not have access to the registry."))
        self.vault = vault
        self.opened = keyring.open(vault)
        self.registry = (vault, self.opened)
        self.index = blind_index.open_index(keyring)
        self.own_domain = f"{settings.HAVEN_PFIF_DOMAIN}/"
        self.held_now: set[str] = set()  # held by this import (bounded by the file's notes)
        self.events: list[dict[str, Any]] = []
        self._start_batch([])

    def _start_batch(self, records: list[PersonIn | NoteIn]) -> None:
        """Read, in one query per kind, what the batch's records refer to."""
        self.index_cache: dict[str, set[str]] = {}
        persons = [r for r in records if isinstance(r, PersonIn)]
        notes = [r for r in records if isinstance(r, NoteIn)]
        notes += [n for p in persons for n in p.notes]
        ids = {p.record_id for p in persons}
        ids |= {n.person_record_id for n in notes} | {n.linked_record_id for n in notes}
        ids.discard("")
        self.reports: dict[str, MissingPersonReport | None] = dict.fromkeys(ids)
        for report in MissingPersonReport.objects.filter(record_id__in=ids) if ids else []:
            self.reports[report.record_id] = report
        note_ids = {n.record_id for n in notes}
        self.notes_known = note_ids
        self.notes_here: set[str] = set(
            StatusNote.objects.filter(record_id__in=note_ids).values_list("record_id", flat=True)
            if note_ids
            else []
        )
        self.held_here: set[str] = set(
            HeldNote.objects.filter(record_id__in=note_ids).values_list("record_id", flat=True)
            if note_ids
            else []
        )
        person_ids = {p.record_id for p in persons}
        self.persons_known = person_ids
        self.waited_for: set[str] = set(
            HeldNote.objects.filter(waiting_for__in=person_ids, expires_at__gt=self.now)
            .values_list("waiting_for", flat=True)
            .distinct()
            if person_ids
            else []
        )

    def batch(self, records: list[PersonIn | NoteIn], done: Callable[[], None]) -> None:
        self._start_batch(records)
        for record in records:
            if isinstance(record, PersonIn):
                self.person(record)
            else:
                self.note(record)
            done()
        self.flush()

    def flush(self) -> None:
        log_events(self.events)
        self.events = []

    def _report(self, record_id: str) -> MissingPersonReport | None:
        if record_id in self.reports:
            return self.reports[record_id]
        # Not one of the batch's ids (a held note released by its person, naming another).
        return MissingPersonReport.objects.filter(record_id=record_id).first()

    def _note_here(self, record_id: str) -> bool:
        if record_id in self.notes_known:
            return record_id in self.notes_here
        return StatusNote.objects.filter(record_id=record_id).exists()

    def person(self, person: PersonIn) -> None:
        if person.expiry_date is not None and person.expiry_date <= self.now:
            self.result.persons_expired += 1  # PFIF: an expired record is not copied
            return
        report = self._report(person.record_id)
        save = functools.partial(
            actions.save_report,
            keyring=self.keyring,
            values=person.values,
            source_kind=person.source_kind,
            reliability=person.reliability,
            registry=self.registry,
            index=self.index,
            index_cache=self.index_cache,
            audit=self.events,
        )
        try:
            if report is None:
                report = save(record_id=person.record_id, entry_date=person.entry_date)
                self.reports[person.record_id] = report
                self.result.persons_created += 1
            elif (
                not report.record_id.startswith(self.own_domain)
                and person.entry_date > report.entry_date
            ):
                # A newer copy from the record's own repository side: it replaces ours.
                report.entry_date = person.entry_date
                save(report=report)
                self.result.persons_updated += 1
            else:
                self.result.persons_existing += 1
        except MissingError as exc:
            raise PfifError(
                _("person %(id)s: %(error)s") % {"id": person.record_id[:80], "error": exc}
            ) from exc
        for note in sorted(person.notes, key=lambda n: (n.source_date, n.entry_date)):
            self.note(note, report)
        self._release(report)

    def note(self, note: NoteIn, report: MissingPersonReport | None = None) -> None:
        if report is None:
            report = self._report(note.person_record_id)
        if self._note_here(note.record_id):
            self.result.notes_existing += 1
            return
        if report is None:
            self._hold(note, note.person_record_id)
            return
        other = None
        if note.linked_record_id:
            other = self._report(note.linked_record_id)
            if other is None and not note.status:
                self._hold(note, note.linked_record_id)
                return
        if note.linked_record_id and not note.status:
            assert other is not None
            self.result.links_created += self._link(report, other, note)
            return
        try:
            actions.add_note(
                keyring=self.keyring,
                report=report,
                status=note.status,
                text=note.text,
                source_date=note.source_date,
                entry_date=note.entry_date,
                last_known_location=note.last_known_location,
                author_name=note.author_name,
                record_id=note.record_id,
                pfif_extra={**note.extra, "linked_person_record_id": note.linked_record_id}
                if note.linked_record_id
                else note.extra or None,
                registry=self.registry,
                audit=self.events,
            )
        except MissingError as exc:
            raise PfifError(
                _("note %(id)s: %(error)s") % {"id": note.record_id[:80], "error": exc}
            ) from exc
        self.notes_here.add(note.record_id)
        self.result.notes_created += 1

    def _link(self, report: MissingPersonReport, other: MissingPersonReport, note: NoteIn) -> int:
        if other.pk == report.pk:
            return 0
        if (
            actions.active_report_links(report)
            .filter(Q(report_a=other) | Q(report_b=other))
            .exists()
        ):
            return 0
        self.flush()  # link_reports writes its own event: keep the chain in file order
        actions.link_reports(
            keyring=self.keyring, report=report, other=other, reason=note.text or EMPTY_TEXT
        )
        return 1

    def _hold(self, note: NoteIn, waiting_for: str) -> None:
        if note.record_id in self.notes_known:
            already = note.record_id in self.held_here
        else:
            already = HeldNote.objects.filter(record_id=note.record_id).exists()
        if already:
            self.result.notes_existing += 1
            return
        held = HeldNote(
            vault=self.vault,
            record_id=note.record_id,
            waiting_for=waiting_for,
            held_at=self.now,
            expires_at=self.now + datetime.timedelta(days=settings.HAVEN_PFIF_HOLD_DAYS),
        )
        self.opened.seal(held, note=note.as_held())
        held.save()
        self.held_here.add(note.record_id)
        self.waited_for.add(waiting_for)
        self.held_now.add(note.record_id)
        self.result.notes_held += 1

    def _release(self, report: MissingPersonReport) -> None:
        """Apply the held notes that were waiting for this person."""
        if report.record_id in self.persons_known and report.record_id not in self.waited_for:
            return  # nothing waits for it (read with the batch)
        for held in HeldNote.objects.filter(
            waiting_for=report.record_id, expires_at__gt=self.now
        ).order_by("held_at", "record_id"):
            note = NoteIn.from_held(self.keyring.reader(held).note)
            held.delete()
            self.held_here.discard(held.record_id)
            earlier = held.record_id not in self.held_now
            if not earlier:
                # Held a moment ago in this file (its person came later): not held after all.
                self.held_now.discard(held.record_id)
                self.result.notes_held -= 1
            before = self.result.notes_held
            self.note(note)
            if self.result.notes_held == before:
                if earlier:
                    self.result.held_applied += 1
            elif earlier:
                self.result.notes_held -= 1  # still waiting (for the other side of a link)

    def purge_expired(self) -> None:
        self.result.held_expired, _rows = HeldNote.objects.filter(expires_at__lte=self.now).delete()


def import_stream(
    *,
    keyring: Keyring,
    open_stream: Callable[[], IO[bytes]],
    progress: Progress | None = None,
    size: int = 0,
) -> ImportResult:
    """Import a PFIF 1.2–1.4 document into the registry, all or nothing.

    `open_stream` is called twice (a validating pass, then the writing pass): a file opened
    again, or a fresh view of bytes in memory. `progress(stage, done, total)`, if given, is
    called as records go by ("check": bytes read of `size`; "import": records of the total).

    The writing pass goes by batches of :data:`BATCH` records (read, looked up, written and
    audited together) inside one transaction: the queries per record do not depend on the size
    of the registry, and memory is bounded by the batch, not the file."""
    with open_stream() as stream:
        checked = check(stream, progress, size)
    result = ImportResult(version=checked.version, ignored=checked.ignored)
    with transaction.atomic():
        importer = _Importer(keyring, result)
        importer.purge_expired()
        done = 0

        def one_done() -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress("import", done, checked.records)

        with open_stream() as stream:
            records = iter_records(stream, Checked())
            while batch := list(itertools.islice(records, BATCH)):
                importer.batch(batch, one_done)
        log_event(
            actor=keyring.user,
            action="missing.pfif_import",
            object_type="registry",
            object_id=str(importer.vault.pk),
            data={k: v for k, v in result.as_dict().items() if k != "ignored"},
        )
    return result


def import_pfif(*, keyring: Keyring, data: bytes) -> ImportResult:
    """Import a PFIF document held in memory (see :func:`import_stream`)."""
    if not data.strip():
        raise PfifError(_("The file is empty."))
    return import_stream(keyring=keyring, open_stream=lambda: io.BytesIO(data))


# ---- writing ------------------------------------------------------------------------------------

CHUNK = 500


def _clean(value: Any) -> str:
    return _NOT_XML.sub("", str(value))


def _line(out: list[str], name: str, value: Any, indent: str, prefix: str = "pfif") -> None:
    if value in (None, "", [], {}):
        return
    out.append(f"{indent}<{prefix}:{name}>{escape(_clean(value))}</{prefix}:{name}>\n")


def _report_chunks(keyring: Keyring) -> Iterator[list[Any]]:
    """The reports this keyring opens, as readers, a few hundred at a time (bounded memory),
    in (entry_date, pk) order."""
    reports = keyring.visible(MissingPersonReport.objects.select_related("vault"))
    last: tuple[datetime.datetime, Any] | None = None
    while True:
        page = reports.order_by("entry_date", "pk")
        if last is not None:
            page = page.filter(Q(entry_date__gt=last[0]) | Q(entry_date=last[0], pk__gt=last[1]))
        rows = list(page[:CHUNK])
        if not rows:
            return
        last = (rows[-1].entry_date, rows[-1].pk)
        yield keyring.readers(rows)


def _expired_at_source(r: Any, now: datetime.datetime) -> bool:
    expiry = (r.pfif_extra or {}).get("expiry_date")
    if not expiry:
        return False
    return datetime.datetime.fromisoformat(str(expiry).replace("Z", "+00:00")) <= now


def _person_xml(r: Any, expiry: datetime.datetime | None, domain: str) -> list[str]:
    report: MissingPersonReport = r.record
    reporter = r.reporter or {}
    source = r.source or {}
    extra = r.pfif_extra or {}
    own = extra.get("expiry_date")
    if own:
        theirs = datetime.datetime.fromisoformat(own.replace("Z", "+00:00"))
        expiry = theirs if expiry is None else min(expiry, theirs)
    filled = [
        name
        for name, value in (
            ("author_name", reporter.get("name")),
            ("source_name", source.get("name")),
            ("source_date", source.get("date")),
        )
        if not value
    ]
    i = "    "
    out = ["  <pfif:person>\n"]
    _line(out, "person_record_id", report.record_id, i)
    _line(out, "entry_date", _fmt(report.entry_date), i)
    _line(out, "expiry_date", _fmt(expiry) if expiry else "", i)
    _line(out, "author_name", reporter.get("name") or domain, i)
    contact = (reporter.get("contact") or "").split("\n")
    if "@" in contact[0]:
        _line(out, "author_email", contact[0], i)
        _line(out, "author_phone", "\n".join(contact[1:]), i)
    else:
        _line(out, "author_phone", "\n".join(contact), i)
    _line(out, "source_name", source.get("name") or domain, i)
    _line(out, "source_date", source.get("date") or _fmt(report.entry_date), i)
    _line(out, "source_url", source.get("url"), i)
    _line(
        out,
        "full_name",
        r.full_name or " ".join(matching.report_names(r)[:1]) or report.reference,
        i,
    )
    _line(out, "given_name", r.given_name, i)
    _line(out, "family_name", r.family_name, i)
    _line(out, "alternate_names", "\n".join(r.alternate_names or []), i)
    _line(out, "description", r.description, i)
    _line(out, "sex", r.sex, i)
    birth = r.birth or {}
    if birth.get("date"):
        _line(out, "date_of_birth", birth["date"], i)
    elif birth.get("year"):
        _line(out, "date_of_birth", birth["year"], i)
    elif birth.get("age"):
        _line(out, "age", birth["age"], i)
    home = extra.get("home") or {}
    if home and ", ".join(home.values()) == (r.home_place or ""):
        for part in HOME_PARTS:
            _line(out, part, home.get(part), i)
    else:
        _line(out, "home_city", r.home_place, i)
    _line(out, "photo_url", extra.get("photo_url"), i)
    _line(out, "profile_urls", extra.get("profile_urls"), i)
    _line(out, "patronymic", r.patronymic, i, "haven")
    _line(out, "filled_in", " ".join(filled), i, "haven")
    _line(out, "source_kind", report.source_kind, i, "haven")
    _line(out, "reliability", report.reliability, i, "haven")
    _line(out, "reporter_relation", reporter.get("relation"), i, "haven")
    if r.last_seen:
        out.append(f"{i}<haven:last_seen>\n")
        for key in ("place", "date", "with_whom", "circumstances"):
            _line(out, key, r.last_seen.get(key), i + "  ", "haven")
        out.append(f"{i}</haven:last_seen>\n")
    if r.photo:
        kind = quoteattr((r.photo_meta or {}).get("type", "application/octet-stream"))
        out.append(
            f"{i}<haven:photo type={kind}>{base64.b64encode(r.photo).decode()}</haven:photo>\n"
        )
    return out


def _note_xml(n: Any, person_record_id: str, domain: str, indent: str) -> list[str]:
    note: StatusNote = n.record
    extra = n.pfif_extra or {}
    i = indent + "  "
    out = [f"{indent}<pfif:note>\n"]
    _line(out, "note_record_id", note.record_id, i)
    _line(out, "person_record_id", person_record_id, i)
    _line(out, "linked_person_record_id", extra.get("linked_person_record_id"), i)
    _line(out, "entry_date", _fmt(note.entry_date), i)
    _line(out, "author_name", n.author_name or domain, i)
    _line(out, "author_email", extra.get("author_email"), i)
    _line(out, "author_phone", extra.get("author_phone"), i)
    _line(out, "source_date", _fmt(note.source_date), i)
    if "author_made_contact" in extra:
        _line(out, "author_made_contact", "true" if extra["author_made_contact"] else "false", i)
    _line(out, "status", TO_PFIF.get(note.status, ""), i)
    _line(out, "email_of_found_person", extra.get("email_of_found_person"), i)
    _line(out, "phone_of_found_person", extra.get("phone_of_found_person"), i)
    _line(out, "last_known_location", n.last_known_location, i)
    _line(out, "text", n.text or EMPTY_TEXT, i)
    _line(out, "photo_url", extra.get("photo_url"), i)
    _line(out, "status", note.status, i, "haven")
    out.append(f"{indent}</pfif:note>\n")
    return out


def _link_xml(
    link: ReportLink, reason: str, person_record_id: str, other_id: str, domain: str, indent: str
) -> list[str]:
    i = indent + "  "
    out = [f"{indent}<pfif:note>\n"]
    _line(out, "note_record_id", f"{domain}/link.{link.id}", i)
    _line(out, "person_record_id", person_record_id, i)
    _line(out, "linked_person_record_id", other_id, i)
    _line(out, "entry_date", _fmt(link.linked_at), i)
    _line(out, "author_name", domain, i)
    _line(out, "source_date", _fmt(link.linked_at), i)
    _line(out, "text", reason or EMPTY_TEXT, i)
    out.append(f"{indent}</pfif:note>\n")
    return out


def _notes_of_chunk(
    keyring: Keyring, readers: list[Any], domain: str, indent: str
) -> dict[Any, list[str]]:
    """Each report's notes and links in this chunk, as XML lines."""
    by_pk = {r.record.pk: r.record for r in readers}
    xml: dict[Any, list[str]] = {pk: [] for pk in by_pk}
    for n in keyring.readers(
        StatusNote.objects.filter(report_id__in=list(by_pk))
        .select_related("vault")
        .order_by("source_date", "entry_date", "pk")
    ):
        report = by_pk[n.record.report_id]
        xml[report.pk] += _note_xml(n, report.record_id, domain, indent)
    links = list(
        ReportLink.objects.filter(unlinked_at__isnull=True, report_a_id__in=list(by_pk))
        .select_related("vault")
        .order_by("linked_at", "pk")
    )
    others = dict(
        keyring.visible(
            MissingPersonReport.objects.filter(pk__in={link.report_b_id for link in links})
        ).values_list("pk", "record_id")
    )
    for lr in keyring.readers(links):
        link: ReportLink = lr.record
        other_id = others.get(link.report_b_id)
        if other_id is None:
            continue
        report = by_pk[link.report_a_id]
        xml[report.pk] += _link_xml(link, lr.reason, report.record_id, other_id, domain, indent)
    return xml


def write_pfif(*, keyring: Keyring, out: IO[bytes], notes: str = "nested") -> int:
    """Write every report this keyring opens, with its notes and links, as PFIF 1.4 to `out`,
    a few hundred persons at a time. `notes` is "nested" (each note inside its person) or
    "top-level" (all persons first, then every note after them, linked by person_record_id).
    Returns the number of persons written. The caller audits the export."""
    if notes not in ("nested", "top-level"):
        raise ValueError(notes)
    domain = settings.HAVEN_PFIF_DOMAIN
    now = timezone.now()
    days = settings.HAVEN_PFIF_EXPIRY_DAYS
    expiry = now + datetime.timedelta(days=days) if days > 0 else None
    out.write(
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        + f'<pfif:pfif xmlns:pfif="{PFIF_NS}" xmlns:haven="{HAVEN_NS}">\n'.encode()
    )
    count = 0
    for readers in _report_chunks(keyring):
        readers = [r for r in readers if not _expired_at_source(r, now)]
        notes_xml = _notes_of_chunk(keyring, readers, domain, "    ") if notes == "nested" else {}
        for r in readers:
            lines = _person_xml(r, expiry, domain)
            lines += notes_xml.get(r.record.pk, [])
            lines.append("  </pfif:person>\n")
            out.write("".join(lines).encode())
            count += 1
    if notes == "top-level":
        for readers in _report_chunks(keyring):
            readers = [r for r in readers if not _expired_at_source(r, now)]
            for lines in _notes_of_chunk(keyring, readers, domain, "  ").values():
                out.write("".join(lines).encode())
    out.write(b"</pfif:pfif>\n")
    return count


def export_pfif(*, keyring: Keyring, notes: str = "nested") -> bytes:
    """Every report this keyring opens, with its notes and links, as PFIF 1.4 (in memory),
    audited as an export."""
    buffer = io.BytesIO()
    count = write_pfif(keyring=keyring, out=buffer, notes=notes)
    audit_export(keyring=keyring, persons=count, notes=notes)
    return buffer.getvalue()


def audit_export(*, keyring: Keyring, persons: int, notes: str) -> None:
    registry = actions.registry_vault()
    with transaction.atomic():
        log_event(
            actor=keyring.user,
            action="missing.pfif_export",
            object_type="registry",
            object_id=str(registry.pk) if registry else "-",
            data={"persons": persons, "notes": notes},
        )


def now_utc() -> str:
    return _fmt(timezone.now())

"""Export bundles for a court, a UN body, a partner NGO or publication, and their verification.

A bundle is a zip:

    manifest.json      every other file's path, size and SHA-256
    SHA256SUMS         the same hashes in `sha256sum -c` format, for a clerk without Haven
    summary.pdf        a readable summary (WeasyPrint)
    records.json       the incident, places, perpetrators, victims, sources, testimonies
    testimonies/T<n>.txt
    attachments/A<n>-original.<ext> or A<n>-working.<ext>   (never the sender's file name)
    custody.json       each exported attachment's chain of custody, this export included

What goes in follows consent. A testimony whose giver did not consent to the audience blocks
the export, unless a second coordinator approved an override (the two-person rule) and the
exporter gives a reason. A person who may not be named is never named, and their text leaves
only as reviewed (redacted) by a person. Publication bundles carry only reviewed text, no
summary or descriptions written by staff (they were never reviewed), places only if they are
detention sites or checkpoints, and working copies only.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.audit.log import log_event
from haven.evidence.actions.attachments import custody, sha256_hex
from haven.evidence.actions.incidents import _actor
from haven.evidence.errors import EvidenceError
from haven.evidence.models import (
    Audience,
    CustodyEvent,
    EvidenceAttachment,
    EvidenceIncident,
    Export,
    Place,
)
from haven.vault.keyring import Keyring, OpenVault

if TYPE_CHECKING:
    pass

FORMAT = "haven-evidence-bundle/1"
MANIFEST, SUMS = "manifest.json", "SHA256SUMS"


# Attachments whose words the redaction review never saw: never in a publication bundle.
UNREVIEWED_IN_PUBLICATION = frozenset({"text", "pdf", "html"})


class BundleAudience(models.TextChoices):
    COURT = "court", gettext_lazy("Court")
    UN = "un", gettext_lazy("UN body")
    PARTNER_NGO = "partner_ngo", gettext_lazy("Partner NGO")
    PUBLICATION = "publication", gettext_lazy("Publication (redacted)")


# The consent each bundle audience needs.
CONSENT_FOR = {
    BundleAudience.COURT: Audience.COURT,
    BundleAudience.UN: Audience.UN,
    BundleAudience.PARTNER_NGO: Audience.PARTNER_NGO,
    BundleAudience.PUBLICATION: Audience.MEDIA,
}
PUBLIC_PLACE_KINDS = {Place.Kind.DETENTION_SITE, Place.Kind.CHECKPOINT}
# Originals (with their metadata) go only to bodies that need them as evidence.
ORIGINALS_FOR = {BundleAudience.COURT, BundleAudience.UN}


@dataclass
class Bundle:
    data: bytes
    export: Export
    files: dict[str, str]  # path -> sha256
    withheld: list[dict[str, str]] = field(default_factory=list)


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # Nothing may be fetched while rendering: no network at run time, no local file either.
    raise ValueError("external resources are not allowed in evidence summaries")


def render_pdf(context: dict[str, Any]) -> bytes:
    import weasyprint

    from haven.lib.bidi import neutralise

    # The readable summary is a page like any other: no bidi control may reorder it (the
    # testimony files keep the text exactly as given).
    html = neutralise(render_to_string("evidence/summary_pdf.html", context))
    return weasyprint.HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()


def consent_problems(incident: EvidenceIncident, audience: str) -> list[str]:
    """References of the testimonies whose giver did not consent to this audience."""
    need = CONSENT_FOR[BundleAudience(audience)]
    return [
        f"T{i}"
        for i, t in enumerate(incident.testimonies.order_by("created_at"), 1)
        if not t.consents_to(need)
    ]


def _incident_records(
    opened: OpenVault, incident: EvidenceIncident, audience: str
) -> dict[str, Any]:
    publication = audience == BundleAudience.PUBLICATION
    u = opened.unseal
    return {
        "reference": incident.reference,
        "title": None if publication else u(incident, "title"),
        "summary": None if publication else u(incident, "summary"),
        "violations": incident.violations,
        "date": {
            "start": incident.date_start.isoformat() if incident.date_start else None,
            "end": incident.date_end.isoformat() if incident.date_end else None,
            "precision": incident.date_precision,
        },
        "region": incident.region,
        "places": [
            {
                "kind": p.kind,
                "name": u(p, "name"),
                "description": None if publication else u(p, "description"),
            }
            for p in incident.places.all()
            # A home or a place of arrest can point at a victim; a detention site or a
            # checkpoint is the perpetrators' ground.
            if not publication or p.kind in PUBLIC_PLACE_KINDS
        ],
        "perpetrators": [
            {
                "kind": p.kind,
                "name": u(p, "name"),
                "unit": u(p, "unit"),
                "role": None if publication else u(p, "role"),
                "known_how": None if publication else u(p, "known_how"),
            }
            for p in incident.perpetrators.all()
        ],
        "victims": [
            {
                "label": f"V{i}",
                "link": v.link,
                "description": None if publication else u(v, "description"),
            }
            for i, v in enumerate(incident.victims.all(), 1)
        ],
        "sources": [
            {
                "kind": s.kind,
                "reliability": s.reliability,
                "description": None if publication else u(s, "description"),
            }
            for s in incident.sources.all()
        ],
    }


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return "" if value is None else str(value)


def _for_reading(records: dict[str, Any]) -> dict[str, Any]:
    """The records as the summary PDF shows them: every code in words. records.json keeps the
    codes (it is for machines and for verification)."""
    from haven.evidence.models import Perpetrator, Source, Testimony, Violation

    out = copy.deepcopy(records)
    out["violations"] = [_label(Violation, v) for v in records["violations"]]
    out["date"]["precision"] = _label(EvidenceIncident.Precision, records["date"]["precision"])
    for row in out["places"]:
        row["kind"] = _label(Place.Kind, row["kind"])
    for row in out["perpetrators"]:
        row["kind"] = _label(Perpetrator.Kind, row["kind"])
    for row in out["sources"]:
        row["kind"] = _label(Source.Kind, row["kind"])
        row["reliability"] = _label(Source.Reliability, row["reliability"])
    for row in out.get("testimonies", []):
        row["language"] = _label(Testimony.Language, row["language"])
    withheld = {
        "deleted": gettext_lazy("withheld: its content was deleted"),
        "not_reviewed": gettext_lazy("withheld: nobody reviewed it for redaction"),
        "no_working_copy": gettext_lazy("withheld: there is no copy without metadata"),
    }
    for row in out.get("attachments", []):
        row["verification"] = _label(EvidenceAttachment.Verification, row["verification"])
        if row.get("withheld"):
            row["withheld"] = str(withheld.get(row["withheld"], row["withheld"]))
    return out


def build_bundle(
    *, keyring: Keyring, incident: EvidenceIncident, audience: str, override_reason: str = ""
) -> Bundle:
    """Build the bundle and record the export (custody links, audit, an Export row) in one
    transaction: if anything fails, nothing is recorded and nothing is handed out."""
    from haven.cases.public import CaseError, use_export_approval

    actor = _actor(keyring)
    if audience not in BundleAudience.values:
        raise EvidenceError(_("Choose who the bundle is for."))
    opened = keyring.open(incident.vault)
    publication = audience == BundleAudience.PUBLICATION
    refused = consent_problems(incident, audience)
    testimonies = list(incident.testimonies.order_by("created_at"))
    unreviewed = [
        f"T{i}"
        for i, t in enumerate(testimonies, 1)
        if (publication or not t.may_be_named) and t.reviewed_text is None
    ]
    if unreviewed:
        raise EvidenceError(
            _(
                "These testimonies must leave redacted, and nobody has reviewed their redactions yet: %(refs)s."
            )
            % {"refs": ", ".join(unreviewed)}
        )
    now = timezone.now()
    with transaction.atomic():
        approval_id = None
        if refused:
            if not override_reason.strip():
                raise EvidenceError(
                    _(
                        "The people who gave these testimonies did not consent to this audience: %(refs)s. Exporting anyway needs a second coordinator's approval and a reason."
                    )
                    % {"refs": ", ".join(refused)}
                )
            try:
                approval_id = use_export_approval(actor=actor, vault=incident.vault).id
            except CaseError as exc:
                raise EvidenceError(str(exc)) from exc

        files: dict[str, bytes] = {}
        records = _incident_records(opened, incident, audience)
        records["testimonies"] = []
        anonymous = 0
        for i, t in enumerate(testimonies, 1):
            named = t.may_be_named and not publication
            if not named:
                anonymous += 1
            text = opened.unseal(t, "text") if named else opened.unseal(t, "reviewed_text")
            path = f"testimonies/T{i}.txt"
            files[path] = (text or "").encode("utf-8")
            records["testimonies"].append(
                {
                    "label": f"T{i}",
                    "given_by": opened.unseal(t, "given_by")
                    if named
                    else _("Anonymous witness %(n)d") % {"n": anonymous},
                    "given_on": t.given_on.isoformat(),
                    "language": t.language,
                    "consent": t.consent,
                    "consent_overridden": f"T{i}" in refused,
                    "redacted": not named,
                    "file": path,
                }
            )

        withheld: list[dict[str, str]] = []
        exported: list[tuple[EvidenceAttachment, str, str]] = []  # attachment, path, copy
        hashed_now: dict[object, str] = {}  # attachment id -> SHA-256 of the original, now
        records["attachments"] = []
        for i, a in enumerate(incident.attachments.order_by("captured_at"), 1):
            label = f"A{i}"
            entry: dict[str, Any] = {
                "label": label,
                "size": a.size,
                "kind": a.kind or "unknown",
                "verification": a.verification,
                "problems": a.problems,
                "sha256_at_capture": opened.unseal(a, "sha256"),
                "file": None,
                "copy": None,
                "withheld": None,
            }
            if a.deleted_at is not None:
                withheld.append({"label": label, "why": "deleted"})
                entry["withheld"] = "deleted"
            elif audience in ORIGINALS_FOR:
                # Never the sender's file name: "passport_Adam_K.jpg" names someone.
                path = f"attachments/{label}-original.{_extension(a.kind)}"
                files[path] = bytes(opened.unseal(a, "original"))
                hashed_now[a.id] = sha256_hex(files[path])
                if hashed_now[a.id] != entry["sha256_at_capture"]:
                    raise EvidenceError(
                        _("The stored original of %(label)s no longer matches its hash at capture.")
                        % {"label": label}
                    )
                entry.update(file=path, copy="original")
                exported.append((a, path, "original"))
            elif publication and a.kind in UNREVIEWED_IN_PUBLICATION:
                # Text and PDF content is not what the redaction review covered: names in it
                # would leave unredacted.
                withheld.append({"label": label, "why": "not_reviewed"})
                entry["withheld"] = "not_reviewed"
            else:
                working = opened.unseal(a, "working_copy")
                if working is None:
                    withheld.append({"label": label, "why": "no_working_copy"})
                    entry["withheld"] = "no_working_copy"
                else:
                    path = f"attachments/{label}-working.{_extension(a.kind)}"
                    files[path] = bytes(working)
                    entry.update(
                        file=path, copy="working", sha256_working=opened.unseal(a, "working_sha256")
                    )
                    exported.append((a, path, "working"))
            if publication:
                entry["sha256_at_capture"] = None
            records["attachments"].append(entry)
        records["withheld"] = withheld

        export = Export(
            incident=incident, vault=incident.vault, audience=audience, actor=actor, at=now
        )
        export.approval_id = approval_id
        for a, path, copy in exported:
            custody(
                opened=opened,
                attachment=a,
                actor=actor,
                action=CustodyEvent.Action.EXPORT,
                reason=override_reason,
                detail={"audience": audience, "copy": copy, "export": str(export.id), "path": path},
                sha256_now=hashed_now.get(a.id),
            )
        custody_log = {
            label: _custody_rows(opened, a, public=publication)
            for label, a in ((p.split("/")[1].split("-")[0], a) for a, p, _c in exported)
        }
        files["records.json"] = _json(records)
        files["custody.json"] = _json(custody_log)
        files["summary.pdf"] = render_pdf(
            {
                "records": _for_reading(records),
                "audience": BundleAudience(audience).label,
                "created_at": now,
                "exporter": None if publication else actor.username,
                "withheld": withheld,
                "override": bool(refused),
            }
        )
        data, hashes = _zip(
            files,
            {"incident": incident.reference, "audience": audience, "created_at": now.isoformat()},
        )
        opened.seal(export, bundle_sha256=sha256_hex(data), override_reason=override_reason or None)
        export.files = len(files)
        export.save()
        log_event(
            actor=actor,
            action="evidence.export",
            object_type="incident",
            object_id=incident.reference,
            data={
                "export": str(export.id),
                "audience": audience,
                "files": len(files),
                "attachments": len(exported),
                "withheld": len(withheld),
                "override": bool(refused),
            },
        )
    return Bundle(data=data, export=export, files=hashes, withheld=withheld)


def _custody_rows(
    opened: OpenVault, attachment: EvidenceAttachment, *, public: bool = False
) -> list[dict[str, Any]]:
    """The chain as it leaves. In a publication the staff who handled the file, their reasons
    and the organisations it went to stay out: staff are at risk too."""
    return [
        {
            "action": e.action,
            "at": e.at.isoformat(),
            "by": None if public else (e.actor.username if e.actor else None),
            "sha256": None if public else opened.unseal(e, "sha256"),
            "reason": None if public else opened.unseal(e, "reason"),
            "detail": None if public else opened.unseal(e, "detail"),
        }
        for e in attachment.custody.select_related("actor").order_by("at")
    ]


def custody_log(opened: OpenVault, attachment: EvidenceAttachment) -> list[dict[str, Any]]:
    return _custody_rows(opened, attachment)


def _extension(kind: str) -> str:
    from haven.lib.uploads import EXTENSIONS

    return EXTENSIONS.get(kind, "bin")


def _json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _zip(files: dict[str, bytes], meta: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    hashes = {path: sha256_hex(data) for path, data in sorted(files.items())}
    manifest = {
        "format": FORMAT,
        **meta,
        "algorithm": "sha256",
        "files": [{"path": p, "sha256": h, "size": len(files[p])} for p, h in hashes.items()],
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(files):
            # Photos, recordings and PDFs are compressed already: deflating them again costs
            # seconds per bundle and saves nothing (measured, docs/BENCHMARKS.md).
            stored = path.startswith("attachments/") or path.endswith(".pdf")
            z.writestr(path, files[path], zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
        z.writestr(MANIFEST, _json(manifest))
        z.writestr(SUMS, "".join(f"{h}  {p}\n" for p, h in hashes.items()))
    return out.getvalue(), hashes


# ---- verification -----------------------------------------------------------------------------


@dataclass
class Verification:
    checked: int = 0
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not (self.error or self.changed or self.missing or self.extra)


def _hash_stream(stream: Any) -> str:
    h = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        h.update(chunk)
    return h.hexdigest()


def verify_bundle(path: str | Path) -> Verification:
    """Check every file of a bundle (a zip, or the directory it was unpacked into) against its
    manifest, and name each changed, missing or extra file. Never raises for a bad bundle."""
    path = Path(path)
    result = Verification()
    try:
        if path.is_dir():
            names = {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()}

            def opener(name: str) -> Any:
                return (path / name).open("rb")
        else:
            archive = zipfile.ZipFile(path)
            names = {i.filename for i in archive.infolist() if not i.is_dir()}

            def opener(name: str) -> Any:
                return archive.open(name)

        if MANIFEST not in names:
            result.error = "no manifest.json: not a Haven evidence bundle"
            return result
        with opener(MANIFEST) as f:
            manifest = json.loads(f.read(10 * 1024 * 1024))
        listed = {e["path"]: e["sha256"] for e in manifest["files"]}
    except (OSError, zipfile.BadZipFile, ValueError, KeyError, TypeError) as exc:
        result.error = f"unreadable bundle: {type(exc).__name__}"
        return result
    for name, expected in sorted(listed.items()):
        if name not in names:
            result.missing.append(name)
            continue
        with opener(name) as f:
            if _hash_stream(f) != expected:
                result.changed.append(name)
        result.checked += 1
    result.extra = sorted(names - set(listed) - {MANIFEST, SUMS})
    if SUMS in names:
        # The plain-text copy must say the same as the manifest, or a clerk checking with
        # sha256sum would be checking something else.
        with opener(SUMS) as f:
            sums = f.read(10 * 1024 * 1024).decode("utf-8", "replace")
        if sums != "".join(f"{h}  {p}\n" for p, h in sorted(listed.items())):
            result.changed.append(SUMS)
    return result

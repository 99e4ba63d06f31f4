"""Registry writes. Each is atomic and audited (ids and codes only); sealed values go through the
registry vault. Matching lives in :mod:`haven.missing.matching`."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.log import log_event
from haven.missing.errors import MissingError
from haven.missing.models import CaseLink, MissingPersonReport, ReportLink, StatusNote
from haven.vault.actions import create_vault
from haven.vault.keyring import Keyring, VaultLocked
from haven.vault.models import Vault

if TYPE_CHECKING:
    from haven.accounts.models import User
    from haven.cases.models import Case, Person

REPORT_FIELDS = (
    "full_name",
    "given_name",
    "family_name",
    "patronymic",
    "alternate_names",
    "sex",
    "birth",
    "home_place",
    "description",
    "photo",
    "photo_meta",
    "last_seen",
    "reporter",
    "source",
)


def registry_vault() -> Vault | None:
    return Vault.objects.current(Vault.Kind.REGISTRY)


def set_up_registry(*, keyring: Keyring, members: list[User] | None = None) -> Vault:
    """The registry vault, created on first use with its creator (and `members`) holding it.
    Later members are added with the two-person rule (a disclosure approval)."""
    existing = registry_vault()
    if existing is not None:
        return existing
    actor = keyring.user
    assert actor is not None
    people = list({u.pk: u for u in [actor, *(members or [])]}.values())
    return create_vault(actor=actor, kind=Vault.Kind.REGISTRY, members=people, keyring=keyring)


def _open_registry(keyring: Keyring) -> tuple[Vault, Any]:
    vault = registry_vault()
    if vault is None:
        raise MissingError(_("There is no registry yet; a coordinator sets it up."))
    try:
        return vault, keyring.open(vault)
    except VaultLocked as exc:
        raise MissingError(_("You do not have access to the registry.")) from exc


def save_report(
    *,
    keyring: Keyring,
    values: dict[str, Any],
    report: MissingPersonReport | None = None,
    source_kind: str = MissingPersonReport.Source.OTHER,
    reliability: str = MissingPersonReport.Reliability.UNKNOWN,
    record_id: str = "",
    entry_date: datetime.datetime | None = None,
    match: bool = True,
) -> MissingPersonReport:
    """Create or update a report, index its names, and look for the same person elsewhere."""
    from haven.missing import matching

    vault, opened = _open_registry(keyring)
    creating = report is None
    with transaction.atomic():
        if report is None:
            report = MissingPersonReport(vault=vault, created_by=keyring.user, record_id=record_id)
            if entry_date is not None:
                report.entry_date = entry_date
        values = dict(values)
        if not values.get("full_name") and (creating or "given_name" in values):
            # PFIF requires a full name; compose it so that exports and lists always have one.
            parts = [values.get(k) or "" for k in ("given_name", "patronymic", "family_name")]
            values["full_name"] = " ".join(p for p in parts if p) or None
        fields = {k: values.get(k) or None for k in REPORT_FIELDS if k in values or creating}
        opened.seal(report, **fields)
        report.source_kind = source_kind
        report.reliability = reliability
        report.updated_at = timezone.now()
        report.save()
        matching.reindex_report(keyring, report, values)
        log_event(
            actor=keyring.user,
            action="missing.report_create" if creating else "missing.report_update",
            object_type="missing_report",
            object_id=report.reference,
            data={"source_kind": source_kind, "reliability": reliability},
        )
        if match:
            matching.suggest_for_report(keyring, report, values)
    return report


def refresh_status(report: MissingPersonReport) -> str:
    """Set the report's current status from its newest note that carries one."""
    newest = (
        StatusNote.objects.filter(report=report)
        .exclude(status="")
        .order_by("-source_date", "-entry_date")
        .values_list("status", flat=True)
        .first()
    )
    status = newest or MissingPersonReport.Status.INFORMATION_SOUGHT
    if status != report.status:
        MissingPersonReport.objects.filter(pk=report.pk).update(
            status=status, updated_at=timezone.now()
        )
        report.status = status
    return status


def add_note(
    *,
    keyring: Keyring,
    report: MissingPersonReport,
    status: str = "",
    text: str = "",
    source_date: datetime.datetime | None = None,
    last_known_location: str = "",
    author_name: str = "",
    record_id: str = "",
    entry_date: datetime.datetime | None = None,
) -> StatusNote:
    if status and status not in MissingPersonReport.Status.values:
        raise MissingError(_("Unknown status."))
    if not status and not text.strip():
        raise MissingError(_("A note needs a status or some text."))
    now = timezone.now()
    if source_date is not None and source_date > now + datetime.timedelta(days=1):
        raise MissingError(_("The date of the information cannot be in the future."))
    _vault, opened = _open_registry(keyring)
    with transaction.atomic():
        note = StatusNote(
            report=report,
            vault=report.vault,
            status=status,
            source_date=source_date or now,
            entry_date=entry_date or now,
            author=keyring.user if not author_name else None,
            record_id=record_id,
        )
        opened.seal(
            note,
            text=text or None,
            last_known_location=last_known_location or None,
            author_name=author_name or None,
        )
        note.save()
        refresh_status(report)
        log_event(
            actor=keyring.user,
            action="missing.note",
            object_type="missing_report",
            object_id=report.reference,
            data={"status": status, "note": str(note.id)},
        )
    return note


def active_report_links(report: MissingPersonReport) -> Any:
    return ReportLink.objects.filter(
        Q(report_a=report) | Q(report_b=report), unlinked_at__isnull=True
    )


def link_reports(
    *, keyring: Keyring, report: MissingPersonReport, other: MissingPersonReport, reason: str
) -> ReportLink:
    if other.pk == report.pk:
        raise MissingError(_("A report cannot be linked to itself."))
    if not reason.strip():
        raise MissingError(_("Say why these are the same person."))
    if active_report_links(report).filter(Q(report_a=other) | Q(report_b=other)).exists():
        raise MissingError(_("These reports are already linked."))
    _vault, opened = _open_registry(keyring)
    with transaction.atomic():
        link = ReportLink(
            vault=report.vault, report_a=report, report_b=other, linked_by=keyring.user
        )
        opened.seal(link, reason=reason)
        link.save()
        log_event(
            actor=keyring.user,
            action="missing.link",
            object_type="missing_report",
            object_id=report.reference,
            data={"other": other.reference, "link": str(link.id)},
        )
    return link


def _unlink(keyring: Keyring, link: Any, reason: str, reference: str) -> None:
    if not reason.strip():
        raise MissingError(_("Say why the link was wrong."))
    if link.unlinked_at is not None:
        raise MissingError(_("This link has already been undone."))
    vault = registry_vault()
    if vault is None or not keyring.can_open(vault):
        raise MissingError(_("You do not have access to the registry."))
    with transaction.atomic():
        keyring.open(vault).seal(link, unlink_reason=reason)
        link.unlinked_by = keyring.user
        link.unlinked_at = timezone.now()
        link.save()
        log_event(
            actor=keyring.user,
            action="missing.unlink",
            object_type="missing_report",
            object_id=reference,
            data={"link": str(link.id)},
        )


def unlink_reports(*, keyring: Keyring, link: ReportLink, reason: str) -> None:
    _unlink(keyring, link, reason, link.report_a.reference)


def link_case(
    *,
    keyring: Keyring,
    report: MissingPersonReport,
    case: Case,
    reason: str,
    person: Person | None = None,
) -> CaseLink:
    """Link a report to a case. The caller must hold both: the link is shown on both."""
    if not reason.strip():
        raise MissingError(_("Say why this case concerns the same person."))
    if not keyring.can_open(case.vault):
        raise MissingError(_("You do not have access to this case."))
    if CaseLink.objects.filter(report=report, case=case, unlinked_at__isnull=True).exists():
        raise MissingError(_("This report is already linked to that case."))
    _vault, opened = _open_registry(keyring)
    with transaction.atomic():
        link = CaseLink(
            vault=report.vault, report=report, case=case, person=person, linked_by=keyring.user
        )
        opened.seal(link, reason=reason)
        link.save()
        log_event(
            actor=keyring.user,
            action="missing.link_case",
            object_type="missing_report",
            object_id=report.reference,
            data={"case": case.reference, "link": str(link.id)},
        )
    return link


def unlink_case(*, keyring: Keyring, link: CaseLink, reason: str) -> None:
    _unlink(keyring, link, reason, link.report.reference)


def report_case_missing(
    *,
    keyring: Keyring,
    case: Case,
    values: dict[str, Any],
    source_kind: str = MissingPersonReport.Source.STAFF,
    reliability: str = MissingPersonReport.Reliability.UNKNOWN,
) -> MissingPersonReport:
    """A person in a case has disappeared (two days without news from a watched person): open
    the registry report from the case, linked to it at once. The matcher will have suggested the
    case's own person; that suggestion is decided "same person" with the same reason, so nobody
    is asked to confirm what the reporter has just said."""
    from haven.missing import matching
    from haven.missing.models import MatchCandidate

    if not keyring.can_open(case.vault):
        raise MissingError(_("You do not have access to this case."))
    person = case.people.order_by("created_at").first()  # type: ignore[attr-defined]
    reason = _("Reported missing from case %(ref)s.") % {"ref": case.reference}
    with transaction.atomic():
        report = save_report(
            keyring=keyring, values=values, source_kind=source_kind, reliability=reliability
        )
        candidate = (
            MatchCandidate.objects.filter(
                report=report, person=person, decision=MatchCandidate.Decision.PENDING
            ).first()
            if person is not None
            else None
        )
        if candidate is not None:
            matching.decide(keyring, candidate, same=True, reason=reason)
        else:
            link_case(keyring=keyring, report=report, case=case, person=person, reason=reason)
    return report

"""Registry writes. Each is atomic and audited (ids and codes only); sealed values go through the
registry vault. :mod:`haven.missing.matching` computes candidates and scores; the writes that
follow from them (index entries, suggestions, scores, decisions) are here, so that matching
never imports this module and this module imports matching at the top."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.log import log_event, log_events
from haven.missing import matching
from haven.missing.errors import MissingError
from haven.missing.models import (
    CaseLink,
    MatchCandidate,
    MissingPersonReport,
    RegistryCheck,
    RegistryIndexEntry,
    ReportLink,
    StatusNote,
)
from haven.vault.actions import create_vault
from haven.vault.keyring import Keyring, VaultLocked
from haven.vault.models import Vault

if TYPE_CHECKING:
    from haven.accounts.models import User
    from haven.cases.public import Case, Person
    from haven.intake.public import HelpRequest

# Read once: an enum's .values builds a new list on every call.
_STATUSES = frozenset(MissingPersonReport.Status.values)

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
    "pfif_extra",
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


def _open_registry(
    keyring: Keyring, registry: tuple[Vault, Any] | None = None
) -> tuple[Vault, Any]:
    """The registry vault and its opened key. `registry`: the pair already opened by the caller
    (a PFIF import opens it once, not once per record)."""
    if registry is not None:
        return registry
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
    registry: tuple[Vault, Any] | None = None,
    index: Any = matching.OPEN_INDEX,
    index_cache: dict[str, set[str]] | None = None,
    audit: list[dict[str, Any]] | None = None,
) -> MissingPersonReport:
    """Create or update a report, index its names, and look for the same person elsewhere.

    The number of queries does not depend on the size of the registry or on the number of
    candidates found (a test holds it): candidates come from two grouped index reads per side,
    are checked against earlier suggestions in one query, scored from rows read in bulk, and
    written in one insert; the report's event and the suggestions' event are one audit write.

    A PFIF import passes what it opened once (`registry`, the search `index`: an OpenVault, or
    None for "not held"), an `index_cache` (see :func:`matching.token_groups`) and an `audit`
    list: the events are then appended to it, and the import writes them with the rest of its
    batch, in the same transaction (it must: an event left in the list is never written)."""
    vault, opened = _open_registry(keyring, registry)
    creating = report is None
    # In an import's batch (`audit` given) the import's transaction is the unit: an error
    # undoes the whole file, so a savepoint per record would only cost two queries.
    with transaction.atomic(savepoint=audit is None):
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
        groups = matching.token_groups(
            keyring, matching.report_names(values), index=index, cache=index_cache
        )
        found = None if groups is None else set().union(*groups)
        # Known before the row is written: a new report is inserted already flagged right.
        report.name_indexed = found is not None
        report.save()
        _write_index(report, found, creating=creating)
        events = [
            {
                "actor": keyring.user,
                "action": "missing.report_create" if creating else "missing.report_update",
                "object_type": "missing_report",
                "object_id": report.reference,
                "data": {"source_kind": source_kind, "reliability": reliability},
            }
        ]
        if match:
            # The name's index groups computed above are the ones matching looks up.
            pairs = matching.report_pairs(keyring, report, values, groups=groups)
            made = _suggest(keyring, pairs)
            events += _suggested_events(keyring, made, "missing_report", report.reference)
        if audit is None:
            log_events(events)
        else:
            audit += events
    return report


def _write_index(report: MissingPersonReport, found: set[str] | None, *, creating: bool) -> None:
    """Replace the report's index entries. Without the index key (`found` None) the report is
    left flagged, so that someone holding both keys indexes it later
    (:func:`index_pending_reports`)."""
    if not creating:
        RegistryIndexEntry.objects.filter(report=report).delete()
    if found:
        RegistryIndexEntry.objects.bulk_create(
            [RegistryIndexEntry(report=report, value=v) for v in sorted(found)]
        )


def _suggest(keyring: Keyring, pairs: list[dict[str, Any]]) -> list[MatchCandidate]:
    """Write the pairs not suggested before, each in its report's vault, scored at once where
    this keyring opens both sides (in memory, before the insert: no second write per row).
    The caller writes the audit event (:func:`_suggested_events`) in the same transaction."""
    fresh = matching.new_pairs(pairs)
    if not fresh:
        return []
    vaults = dict(
        MissingPersonReport.objects.filter(pk__in={p["report_id"] for p in fresh}).values_list(
            "pk", "vault_id"
        )
    )
    made = [MatchCandidate(vault_id=vaults[p["report_id"]], **p) for p in fresh]
    _apply_scores(made, matching.scores(keyring, made))
    try:
        with transaction.atomic():
            MatchCandidate.objects.bulk_create(made)
    except IntegrityError:
        # Another request found some of these pairs at the same moment: keep the rest.
        kept = []
        for candidate in made:
            try:
                with transaction.atomic():
                    candidate.save(force_insert=True)
            except IntegrityError:
                continue
            kept.append(candidate)
        made = kept
    return made


def _apply_scores(
    candidates: list[MatchCandidate], computed: dict[Any, tuple[float, bool]]
) -> list[MatchCandidate]:
    """Set the computed scores on the candidates; a pair whose names (or ages) say "different
    people" is dismissed rather than put before a person. Returns the candidates changed."""
    changed = []
    for candidate in candidates:
        if candidate.pk not in computed:
            continue
        value, same = computed[candidate.pk]
        candidate.score = value
        if not same:
            candidate.decision = MatchCandidate.Decision.DISMISSED
        changed.append(candidate)
    return changed


def _suggested_events(
    keyring: Keyring, made: list[MatchCandidate], object_type: str, object_id: str
) -> list[dict[str, Any]]:
    """The audit event of new suggestions: which candidate rows, how many scored, how many
    dismissed by their names. Ids and counts only."""
    if not made:
        return []
    return [
        {
            "actor": keyring.user,
            "action": "missing.match_suggest",
            "object_type": object_type,
            "object_id": object_id,
            "data": {
                "candidates": sorted(str(c.pk) for c in made),
                "scored": sum(1 for c in made if c.score is not None),
                "dismissed": sum(
                    1 for c in made if c.decision == MatchCandidate.Decision.DISMISSED
                ),
            },
        }
    ]


def suggest_for_report(
    *, keyring: Keyring, report: MissingPersonReport, values: dict[str, Any] | None = None
) -> list[MatchCandidate]:
    """Match a report saved earlier (a PFIF import saves first, matches once all are in)."""
    with transaction.atomic():
        made = _suggest(keyring, matching.report_pairs(keyring, report, values))
        log_events(_suggested_events(keyring, made, "missing_report", report.reference))
    return made


def suggest_for_person(
    *, keyring: Keyring, person: Person, values: dict[str, Any]
) -> list[MatchCandidate]:
    """Called when a person in a case is saved (a new intake, a new case, an edit): the
    registry reports that may be them, as suggestions, audited against the case."""
    with transaction.atomic():
        made = _suggest(keyring, matching.person_pairs(keyring, person, values))
        log_events(_suggested_events(keyring, made, "case", person.case.reference))
    return made


def suggest_for_request(*, keyring: Keyring, help_request: HelpRequest) -> list[MatchCandidate]:
    """Look up the names a hotline request mentions in the registry. Runs when someone holding
    the request and the index opens it; again only when new messages have arrived."""
    found = matching.request_pairs(keyring, help_request)
    if found is None:
        return []
    pairs, messages = found
    with transaction.atomic():
        RegistryCheck.objects.update_or_create(
            help_request=help_request, defaults={"messages": messages, "checked_at": timezone.now()}
        )
        made = _suggest(keyring, pairs)
        log_events(_suggested_events(keyring, made, "help_request", help_request.reference))
    return made


def score_matches(*, keyring: Keyring, candidates: Any) -> int:
    """Score the unscored candidates this keyring can open both sides of (a suggestion found by
    someone who could not, now seen by someone who can). Returns how many."""
    candidates = list(candidates)
    changed = _apply_scores(candidates, matching.scores(keyring, candidates))
    if not changed:
        return 0
    with transaction.atomic():
        MatchCandidate.objects.bulk_update(changed, ["score", "decision"])
        log_event(
            actor=keyring.user,
            action="missing.match_score",
            object_type="missing_report",
            object_id="",
            data={
                "candidates": sorted(str(c.pk) for c in changed),
                "dismissed": sum(
                    1 for c in changed if c.decision == MatchCandidate.Decision.DISMISSED
                ),
            },
        )
    return len(changed)


def decide_match(
    *, keyring: Keyring, candidate: MatchCandidate, same: bool, reason: str
) -> ReportLink | CaseLink | None:
    """A person's decision. "Same" creates a link (reciprocal, reversible); "not the same"
    keeps the pair from being suggested again."""
    if candidate.decision in (MatchCandidate.Decision.CONFIRMED, MatchCandidate.Decision.REJECTED):
        raise MissingError(_("This suggestion has already been decided."))
    if matching.both_sides(keyring, candidate) is None:
        raise MissingError(_("You cannot see both records, so you cannot decide."))
    with transaction.atomic():
        link: ReportLink | CaseLink | None = None
        if same:
            if candidate.other_report_id:
                assert candidate.other_report is not None
                link = link_reports(
                    keyring=keyring,
                    report=candidate.report,
                    other=candidate.other_report,
                    reason=reason,
                )
            elif candidate.person_id:
                person = candidate.person
                assert person is not None
                link = link_case(
                    keyring=keyring,
                    report=candidate.report,
                    case=person.case,
                    person=person,
                    reason=reason,
                )
        candidate.decision = (
            MatchCandidate.Decision.CONFIRMED if same else MatchCandidate.Decision.REJECTED
        )
        candidate.decided_by = keyring.user
        candidate.decided_at = timezone.now()
        keyring.open(candidate.report.vault).seal(candidate, reason=reason or None)
        candidate.save(update_fields=["decision", "decided_by", "decided_at", "reason"])
        log_event(
            actor=keyring.user,
            action="missing.match_decide",
            object_type="missing_report",
            object_id=candidate.report.reference,
            data={"candidate": str(candidate.id), "same": same},
        )
    return link


def index_pending_reports(*, keyring: Keyring) -> int:
    """Index (and match) the reports saved without the index key."""
    if matching.index_values(keyring, []) is None:
        raise MissingError(_("You do not hold the search index."))
    pending = keyring.visible(
        MissingPersonReport.objects.filter(name_indexed=False).select_related("vault")
    )
    done = 0
    for reader in keyring.readers(pending.order_by("pk")):
        report: MissingPersonReport = reader.record
        with transaction.atomic():
            values = {f: getattr(reader, f) for f in REPORT_FIELDS}
            found = matching.index_values(keyring, matching.report_names(values))
            _write_index(report, found, creating=False)
            MissingPersonReport.objects.filter(pk=report.pk).update(name_indexed=True)
            report.name_indexed = True
            made = _suggest(keyring, matching.report_pairs(keyring, report, values))
            log_events(
                [
                    {
                        "actor": keyring.user,
                        "action": "missing.report_index",
                        "object_type": "missing_report",
                        "object_id": report.reference,
                        "data": {},
                    },
                    *_suggested_events(keyring, made, "missing_report", report.reference),
                ]
            )
        done += 1
    return done


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
    pfif_extra: dict[str, Any] | None = None,
    registry: tuple[Vault, Any] | None = None,
    audit: list[dict[str, Any]] | None = None,
) -> StatusNote:
    """Add a note to a report and set its current status. `registry` and `audit` as for
    :func:`save_report` (a PFIF import opens the registry once and writes events by batch)."""
    if status and status not in _STATUSES:
        raise MissingError(_("Unknown status."))
    if not status and not text.strip():
        raise MissingError(_("A note needs a status or some text."))
    now = timezone.now()
    if source_date is not None and source_date > now + datetime.timedelta(days=1):
        raise MissingError(_("The date of the information cannot be in the future."))
    _vault, opened = _open_registry(keyring, registry)
    # In an import's batch (`audit` given) the import's transaction is the unit: an error
    # undoes the whole file, so a savepoint per record would only cost two queries.
    with transaction.atomic(savepoint=audit is None):
        note = StatusNote(
            report=report,
            vault_id=report.vault_id,  # no fetch of the vault row per note
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
            pfif_extra=pfif_extra or None,
        )
        note.save()
        refresh_status(report)
        event = {
            "actor": keyring.user,
            "action": "missing.note",
            "object_type": "missing_report",
            "object_id": report.reference,
            "data": {"status": status, "note": str(note.id)},
        }
        if audit is None:
            log_events([event])
        else:
            audit.append(event)
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
    if not keyring.can_open(case.vault):
        raise MissingError(_("You do not have access to this case."))
    person = case.people.order_by("created_at").first()
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
            decide_match(keyring=keyring, candidate=candidate, same=True, reason=reason)
        else:
            link_case(keyring=keyring, report=report, case=case, person=person, reason=reason)
    return report

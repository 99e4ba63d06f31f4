"""Staff views of the missing-persons registry. Every report is loaded through
:func:`get_report_for_user` (the registry vault's grant decides), every match suggestion through
:func:`get_candidate_for_user` (both sides must open)."""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.access import require_role
from haven.accounts.models import Role
from haven.cases.public import ApprovalRequest, Case, CaseError, request_approval
from haven.core.http import HavenRequest
from haven.core.registry import call_hooks
from haven.lib.names import name_keys
from haven.missing import actions, matching
from haven.missing.access import get_report_for_user
from haven.missing.errors import MissingError
from haven.missing.forms import (
    AccessForm,
    ExportRequestForm,
    LinkForm,
    NoteForm,
    PfifExportForm,
    ReportForm,
    SearchForm,
    UnlinkForm,
)
from haven.missing.models import (
    CaseLink,
    MatchCandidate,
    MissingPersonReport,
    ReportLink,
    Sex,
    StatusNote,
)
from haven.vault.models import Grant

READ_ROLES = (Role.DOCUMENTATION, Role.COORDINATOR, Role.CASEWORKER, Role.LAWYER)
WRITE_ROLES = (Role.DOCUMENTATION, Role.COORDINATOR, Role.CASEWORKER)
PAGE_SIZE = 50
MAX_SCORE_PER_PAGE = 200
# A name search decrypts at most this many index hits to confirm them.
SEARCH_LIMIT = 500


def _name_search(request: HavenRequest, q: str, reports: Any) -> Any:
    groups = matching.token_groups(request.keyring, [q])
    if groups is None:
        return None
    if not groups:
        return reports.none()
    ids = matching._shared(matching.RegistryIndexEntry, "report_id", groups, limit=SEARCH_LIMIT)
    found = []
    tokens = [name_keys(t) for t in q.split() if name_keys(t)]
    for reader in request.keyring.readers(reports.filter(pk__in=ids)):
        keys: set[str] = set()
        for name in matching.report_names(reader):
            keys |= name_keys(name)
        if all(keys & t for t in tokens):
            found.append(reader.record.pk)
    return reports.filter(pk__in=found)


@require_GET
@require_role(*READ_ROLES)
def report_list(request: HavenRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    reports = request.keyring.visible(MissingPersonReport.objects.select_related("vault"))
    search_unavailable = False
    if form.is_valid():
        q = (form.cleaned_data.get("q") or "").strip()
        if form.cleaned_data.get("status"):
            reports = reports.filter(status=form.cleaned_data["status"])
        if q:
            by_reference = reports.filter(reference__iexact=q)
            by_name = _name_search(request, q, reports)
            if by_name is None:
                search_unavailable = True
                reports = by_reference
            else:
                reports = by_reference | by_name
    page = Paginator(reports.order_by("-updated_at", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    vault = actions.registry_vault()
    return render(
        request,
        "missing/report_list.html",
        {
            "form": form,
            "page": page,
            "rows": request.keyring.readers(page.object_list),
            "search_unavailable": search_unavailable,
            "registry": vault,
            "holds_registry": vault is not None and request.keyring.can_open(vault),
            "unindexed": request.keyring.visible(
                MissingPersonReport.objects.filter(name_indexed=False)
            ).count(),
            "export_form": ExportRequestForm(),
            "pfif_export_form": PfifExportForm(),
            "pending_matches": matching.visible_candidates(request.keyring)
            .filter(decision=MatchCandidate.Decision.PENDING)
            .count(),
        },
    )


@require_http_methods(["GET", "POST"])
@require_role(*WRITE_ROLES)
def report_create(request: HavenRequest) -> HttpResponse:
    vault = actions.registry_vault()
    if vault is None or not request.keyring.can_open(vault):
        messages.error(request, _("You do not have access to the registry."))
        return redirect("missing-list")
    case = _case_reported_missing(request)
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        initial=_initial_from_case(request, case) if case else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if case is None:
                report = actions.save_report(
                    keyring=request.keyring,
                    values=form.sealed_values(),
                    source_kind=form.cleaned_data["source_kind"],
                    reliability=form.cleaned_data["reliability"],
                )
            else:
                report = actions.report_case_missing(
                    keyring=request.keyring,
                    case=case,
                    values=form.sealed_values(),
                    source_kind=form.cleaned_data["source_kind"],
                    reliability=form.cleaned_data["reliability"],
                )
        except MissingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Report %(ref)s saved.") % {"ref": report.reference})
            return redirect("missing-detail", report_id=report.id)
    status = 400 if request.method == "POST" else 200
    return render(request, "missing/report_form.html", {"form": form, "case": case}, status=status)


def _case_reported_missing(request: HavenRequest) -> Case | None:
    """`?case=<id>`: the report is opened from that case (and linked to it). Loaded through the
    case access function, so a case this person cannot open is a 404 like any other."""
    from haven.cases.public import get_case_for_user

    raw = request.GET.get("case")
    if not raw:
        return None
    try:
        case_id = UUID(raw)
    except ValueError as exc:
        raise Http404 from exc
    return get_case_for_user(request, case_id)


def _initial_from_case(request: HavenRequest, case: Case) -> dict[str, Any]:
    """The case's first person, as far as the registry's fields go, and the last news of them."""
    from haven.cases.public import Person

    initial: dict[str, Any] = {"source_kind": MissingPersonReport.Source.STAFF}
    person = Person.objects.filter(case=case).select_related("vault").order_by("created_at").first()
    if person is not None:
        p = request.keyring.reader(person)
        birth = p.birth or {}
        initial.update(
            given_name=p.given_name,
            family_name=p.family_name,
            patronymic=p.patronymic,
            alternate_names="\n".join(p.aliases or []),
            birth_date=birth.get("date"),
            birth_year=birth.get("year"),
        )
    # The last news of the person, from the safety watch if installed (a hook: the registry
    # does not import safety).
    last = next((when for when in call_hooks("case_silent_since", case) if when), None)
    if last is not None:
        initial["last_seen_date"] = timezone.localdate(last)
    return initial


@require_http_methods(["GET", "POST"])
@require_role(*WRITE_ROLES)
def report_edit(request: HavenRequest, report_id: UUID) -> HttpResponse:
    report = get_report_for_user(request, report_id)
    reader = request.keyring.reader(report)
    form = ReportForm(
        request.POST or None, request.FILES or None, initial=ReportForm.initial_from(reader)
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_report(
                keyring=request.keyring,
                report=report,
                values=form.sealed_values(),
                source_kind=form.cleaned_data["source_kind"],
                reliability=form.cleaned_data["reliability"],
            )
        except MissingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Report %(ref)s saved.") % {"ref": report.reference})
            return redirect("missing-detail", report_id=report.id)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "missing/report_form.html", {"form": form, "report": report}, status=status
    )


def _links(request: HavenRequest, report: MissingPersonReport) -> dict[str, Any]:
    keyring = request.keyring
    report_links = []
    for link in ReportLink.objects.filter(report_a=report).select_related(
        "vault", "report_b", "linked_by", "unlinked_by"
    ):
        report_links.append((keyring.reader(link), link.report_b))
    for link in ReportLink.objects.filter(report_b=report).select_related(
        "vault", "report_a", "linked_by", "unlinked_by"
    ):
        report_links.append((keyring.reader(link), link.report_a))
    visible_cases = set(keyring.visible(Case.objects.all()).values_list("pk", flat=True))
    case_links = [
        (keyring.reader(link), link.case if link.case_id in visible_cases else None)
        for link in CaseLink.objects.filter(report=report).select_related(
            "vault", "case", "linked_by", "unlinked_by"
        )
    ]
    # A hotline request confirmed as this person is a link too (a decision with a reason), shown
    # here as on the request's own page; the request is named only to those who hold intake.
    request_links = [
        (keyring.reader(candidate), candidate.help_request)
        for candidate in matching.visible_candidates(keyring)
        .filter(report=report, decision=MatchCandidate.Decision.CONFIRMED)
        .filter(help_request__isnull=False)
        .select_related("decided_by")
    ]
    return {"report_links": report_links, "case_links": case_links, "request_links": request_links}


def _detail_context(
    request: HavenRequest, report: MissingPersonReport, **forms: Any
) -> dict[str, Any]:
    keyring = request.keyring
    reader = keyring.reader(report)
    photo = None
    if reader.photo:
        kind = (reader.photo_meta or {}).get("type", "image/jpeg")
        if kind in ("image/jpeg", "image/png", "image/webp"):
            photo = f"data:{kind};base64,{base64.b64encode(reader.photo).decode()}"
    candidates = (
        matching.visible_candidates(keyring)
        .filter(decision=MatchCandidate.Decision.PENDING)
        .filter(Q(report=report) | Q(other_report=report))
    )
    actions.score_matches(keyring=keyring, candidates=candidates)
    context = {
        "report": report,
        "r": reader,
        "sex": Sex(reader.sex).label if reader.sex in Sex.values else reader.sex,
        "photo": photo,
        "notes": keyring.readers(
            StatusNote.objects.filter(report=report).select_related("vault", "author")
        ),
        "candidates": [c for c in candidates if c.decision == MatchCandidate.Decision.PENDING],
        "note_form": NoteForm(),
        "link_form": LinkForm(),
        "can_write": request.user.has_role(*WRITE_ROLES),
        **_links(request, report),
    }
    context.update(forms)
    return context


@require_GET
@require_role(*READ_ROLES)
def report_detail(request: HavenRequest, report_id: UUID) -> HttpResponse:
    report = get_report_for_user(request, report_id)
    return render(request, "missing/report_detail.html", _detail_context(request, report))


def _refused(request: HavenRequest, report: MissingPersonReport, **forms: Any) -> HttpResponse:
    return render(
        request,
        "missing/report_detail.html",
        _detail_context(request, report, **forms),
        status=400,
    )


@require_POST
@require_role(*WRITE_ROLES)
def report_note(request: HavenRequest, report_id: UUID) -> HttpResponse:
    report = get_report_for_user(request, report_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            actions.add_note(
                keyring=request.keyring,
                report=report,
                status=form.cleaned_data["status"],
                text=form.cleaned_data["text"],
                source_date=form.cleaned_data["source_date"],
                last_known_location=form.cleaned_data["last_known_location"],
            )
        except MissingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Note added."))
            return redirect("missing-detail", report_id=report.id)
    return _refused(request, report, note_form=form)


@require_POST
@require_role(*WRITE_ROLES)
def report_link(request: HavenRequest, report_id: UUID) -> HttpResponse:
    report = get_report_for_user(request, report_id)
    form = LinkForm(request.POST)
    if form.is_valid():
        reference, reason = form.cleaned_data["reference"], form.cleaned_data["reason"]
        try:
            if reference.startswith("MP-"):
                other = (
                    request.keyring.visible(MissingPersonReport.objects.all())
                    .filter(reference=reference)
                    .first()
                )
                if other is None:
                    raise MissingError(_("No report with this reference that you can see."))
                actions.link_reports(
                    keyring=request.keyring, report=report, other=other, reason=reason
                )
            else:
                case = (
                    request.keyring.visible(Case.objects.select_related("vault"))
                    .filter(reference=reference)
                    .first()
                )
                if case is None:
                    raise MissingError(_("No case with this reference that you can see."))
                actions.link_case(keyring=request.keyring, report=report, case=case, reason=reason)
        except MissingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Linked."))
            return redirect("missing-detail", report_id=report.id)
    return _refused(request, report, link_form=form)


@require_POST
@require_role(*WRITE_ROLES)
def report_unlink(request: HavenRequest, report_id: UUID) -> HttpResponse:
    report = get_report_for_user(request, report_id)
    form = UnlinkForm(request.POST)
    if form.is_valid():
        link_id = form.cleaned_data["link"]
        try:
            if form.cleaned_data["kind"] == "report":
                link = actions.active_report_links(report).filter(pk=link_id).first()
                if link is None:
                    raise MissingError(_("This link does not exist or is already undone."))
                actions.unlink_reports(
                    keyring=request.keyring, link=link, reason=form.cleaned_data["reason"]
                )
            else:
                case_link = CaseLink.objects.filter(
                    pk=link_id, report=report, unlinked_at__isnull=True
                ).first()
                if case_link is None:
                    raise MissingError(_("This link does not exist or is already undone."))
                actions.unlink_case(
                    keyring=request.keyring, link=case_link, reason=form.cleaned_data["reason"]
                )
        except MissingError as exc:
            messages.error(request, str(exc))
            return _refused(request, report, unlink_error=str(exc))
        messages.success(request, _("The link was undone."))
        return redirect("missing-detail", report_id=report.id)
    messages.error(request, _("Say why the link was wrong."))
    return _refused(request, report, unlink_error=_("Say why the link was wrong."))


@require_POST
@require_role(*WRITE_ROLES)
def index_pending(request: HavenRequest) -> HttpResponse:
    try:
        done = actions.index_pending_reports(keyring=request.keyring)
    except MissingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(n)s reports added to the name search.") % {"n": done})
    return redirect("missing-list")


@require_http_methods(["GET", "POST"])
@require_role(Role.COORDINATOR)
def registry_access(request: HavenRequest) -> HttpResponse:
    vault = actions.registry_vault()
    form = AccessForm(request.POST or None) if vault is not None else None
    if request.method == "POST":
        if vault is None:
            actions.set_up_registry(keyring=request.keyring)
            messages.success(request, _("The registry is set up; you hold its key."))
            return redirect("missing-access")
        assert form is not None
        if form.is_valid():
            try:
                request_approval(
                    keyring=request.keyring,
                    kind=ApprovalRequest.Kind.DISCLOSE_VAULT,
                    vault=vault,
                    target_user=form.cleaned_data["user"],
                    reason=form.cleaned_data["reason"],
                )
            except CaseError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Asked a second coordinator to approve."))
                return redirect("missing-access")
    holders = (
        Grant.objects.filter(vault=vault).select_related("user").order_by("user__username")
        if vault
        else []
    )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "missing/access.html",
        {
            "registry": vault,
            "form": form,
            "holders": holders,
            "holds": vault is not None and request.keyring.can_open(vault),
        },
        status=status,
    )


@require_POST
@require_role(Role.DOCUMENTATION, Role.COORDINATOR)
def export_request(request: HavenRequest) -> HttpResponse:
    """Ask a second coordinator to approve one PFIF export of the registry (identified data)."""
    form = ExportRequestForm(request.POST)
    vault = actions.registry_vault()
    if form.is_valid():
        if vault is None:
            form.add_error(None, _("There is no registry yet; a coordinator sets it up."))
        else:
            try:
                request_approval(
                    keyring=request.keyring,
                    kind=ApprovalRequest.Kind.EXPORT_IDENTIFIED,
                    vault=vault,
                    target_user=None,
                    reason=form.cleaned_data["reason"],
                )
            except CaseError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _(
                        "Asked a second coordinator to approve. Once approved, run "
                        "“haven pfif export” once, or download it from this page."
                    ),
                )
                return redirect("missing-list")
    for error in form.errors.get("__all__", []) + form.errors.get("reason", []):
        messages.error(request, str(error))
    return redirect("missing-list")


def case_registry_links(
    request: HavenRequest, case: Case
) -> list[tuple[Any, MissingPersonReport | None]]:
    """For the case page: reports linked to this case; a report is named only to people who
    hold the registry."""
    visible = set(
        request.keyring.visible(
            MissingPersonReport.objects.filter(case_links__case=case), walk=True
        ).values_list("pk", flat=True)
    )
    return [
        (link, link.report if link.report_id in visible else None)
        for link in CaseLink.objects.filter(case=case, unlinked_at__isnull=True).select_related(
            "report"
        )
    ]

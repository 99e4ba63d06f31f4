"""Case views: list and search, the case file, and every change to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.access import require_role
from haven.accounts.models import Role
from haven.cases import actions, queries
from haven.cases.access import (
    get_approval_for_user,
    get_case_for_user,
    get_person_for_user,
    get_task_for_user,
)
from haven.cases.exposure import burned_exposure, exposure_report
from haven.cases.forms import (
    ApprovalForm,
    AssignForm,
    CaseForm,
    DocumentForm,
    DocumentStatusForm,
    FilterForm,
    IndexGrantForm,
    NoteForm,
    PersonForm,
    RelocationForm,
    TaskForm,
    TransitionForm,
    VettingDecisionForm,
    VettingForm,
)
from haven.cases.models import (
    ApprovalRequest,
    Case,
    RelocationDocument,
    Vetting,
)
from haven.core.http import HavenRequest
from haven.core.registry import Panel, call_hooks
from haven.vault import blind_index
from haven.vault.models import Grant

CASE_ROLES = (Role.CASEWORKER, Role.COORDINATOR, Role.LAWYER, Role.DOCUMENTATION)


@require_GET
@require_role(*CASE_ROLES)
def case_list(request: HavenRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    page = queries.case_page(request, form.cleaned_data if form.is_valid() else None)
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "page": page,
            "table": page.table,
            "today": timezone.localdate(),
            "search_unavailable": page.search_unavailable,
            "unindexed": queries.unindexed_count(request.keyring),
            "count_limit": number_format(queries.COUNT_LIMIT, force_grouping=True),
            "query_string": _without_cursor(request),
        },
    )


def _without_cursor(request: HavenRequest) -> str:
    """The filters of this page, for the paging links (which add their own cursor)."""
    params = request.GET.copy()
    for key in ("after", "before", "page"):
        params.pop(key, None)
    return params.urlencode()


@require_http_methods(["GET", "POST"])
@require_role(Role.CASEWORKER, Role.COORDINATOR)
def case_create(request: HavenRequest) -> HttpResponse:
    form = CaseForm(request.POST or None)
    person_form = PersonForm(request.POST or None, prefix="p")
    if request.method == "POST" and form.is_valid() and person_form.is_valid():
        case = actions.create_case(
            keyring=request.keyring,
            risk=form.cleaned_data["risk"],
            risk_reason=form.cleaned_data["risk_reason"],
            region_of_origin=form.cleaned_data["region_of_origin"],
            region_detail=form.cleaned_data["region_detail"],
            caseworker=form.cleaned_data["caseworker"],
        )
        actions.save_person(keyring=request.keyring, case=case, values=person_form.sealed_values())
        messages.success(request, _("Case %(ref)s opened.") % {"ref": case.reference})
        return redirect("cases-detail", case_id=case.id)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "cases/case_create.html", {"form": form, "person_form": person_form}, status=status
    )


def _detail_context(request: HavenRequest, case: Case, **forms: Any) -> dict[str, Any]:
    keyring = request.keyring
    vetting = Vetting.objects.filter(case=case).select_related("decided_by").first()
    context = {
        "case": case,
        "case_r": keyring.reader(case),
        "people": keyring.readers(case.people.select_related("vault").order_by("created_at")),
        "transitions": keyring.readers(case.transitions.select_related("actor", "vault")),
        "notes": keyring.readers(case.notes.select_related("author", "vault")[:50]),
        "tasks": keyring.readers(case.tasks.select_related("vault")),
        "documents": keyring.readers(case.relocation_documents.select_related("vault")),
        "assignments": case.assignments.select_related("user"),
        "vetting": keyring.reader(vetting) if vetting else None,
        "intake_records": [keyring.reader(r) for r in case.intake_records.select_related("vault")]
        if hasattr(case, "intake_records")
        else [],
        # What the person wrote on the portal after the case was opened (haven.intake).
        "portal_messages": keyring.readers(case.portal_messages.select_related("vault"))
        if hasattr(case, "portal_messages")
        else [],
        "today": timezone.localdate(),
        "incidents": _incidents(case),
        "silent_since": _silent_since(case),
        "registry_links": _registry_links(request, case),
        "partner_referrals": [r for r in call_hooks("case_partner_referrals", request, case) if r],
        "channel_handles": [r for r in call_hooks("case_channel_handles", request, case) if r],
        "transition_form": TransitionForm(case=case),
        "note_form": NoteForm(),
        "task_form": TaskForm(),
        "assign_form": AssignForm(),
        "vetting_form": VettingForm(
            initial={
                k: getattr(vetting, k)
                for k in ("identity_corroborated", "vouched_for", "interview_done")
            }
            if vetting
            else None
        ),
        "decision_form": VettingDecisionForm(),
        "relocation_form": RelocationForm(
            initial={
                "destination_country": case.destination_country,
                "pathway": case.pathway,
                "outcome": case.outcome,
                "outcome_country": case.outcome_country,
            }
        ),
        "document_form": DocumentForm(),
        "document_status_form": DocumentStatusForm(),
        "approval_form": ApprovalForm(),
    }
    context.update(forms)
    return context


def _registry_links(request: HavenRequest, case: Case) -> list[Any]:
    """Missing-persons reports linked to this case, from the apps that keep them (the registry)."""
    return [link for links in call_hooks("case_registry_links", request, case) for link in links]


def _incidents(case: Case) -> list[dict[str, Any]]:
    """Alarms of this case with response times, from the apps that raise them (the safety watch)."""
    return [row for rows in call_hooks("case_incidents", case) for row in rows]


def _silent_since(case: Case) -> Any:
    """The last news of a watched person silent for two days, from the safety watch."""
    return next((when for when in call_hooks("case_silent_since", case) if when), None)


@require_GET
@require_role(*CASE_ROLES)
def case_detail(request: HavenRequest, case_id: UUID) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    return render(request, "cases/case_detail.html", _detail_context(request, case))


def _case_post(
    form_class: type,
    context_name: str,
    apply: Callable[[HavenRequest, Case, dict[str, Any]], str],
    roles: tuple[str, ...] = CASE_ROLES,
) -> Callable[..., HttpResponse]:
    """One POST view per change: load through the access function, validate, apply, redirect;
    on a bad form or a refused change, the case page again with the form as typed (400)."""

    @require_POST
    @require_role(*roles)
    def view(request: HavenRequest, case_id: UUID) -> HttpResponse:
        case = get_case_for_user(request, case_id)
        # A form that draws its choices from the case (the moves allowed now) is given it.
        takes_case = getattr(form_class, "takes_case", False)
        form = form_class(request.POST, case=case) if takes_case else form_class(request.POST)
        if form.is_valid():
            try:
                done = apply(request, case, form.cleaned_data)
            except actions.CaseError as exc:
                form.add_error(None, str(exc))
                messages.error(request, str(exc))
            else:
                messages.success(request, done)
                return redirect("cases-detail", case_id=case.id)
        return render(
            request,
            "cases/case_detail.html",
            _detail_context(request, case, **{context_name: form}),
            status=400,
        )

    return view


def _transition(r: HavenRequest, c: Case, d: dict[str, Any]) -> str:
    actions.transition(keyring=r.keyring, case=c, to_state=d["to_state"], reason=d["reason"])
    return _("State changed.")


def _note(r: HavenRequest, c: Case, d: dict[str, Any]) -> str:
    actions.add_note(keyring=r.keyring, case=c, text=d["text"])
    return _("Note added.")


def _task(r: HavenRequest, c: Case, d: dict[str, Any]) -> str:
    actions.add_task(
        keyring=r.keyring, case=c, kind=d["kind"], title=d["title"], due_date=d["due_date"]
    )
    return _("Task added.")


def _assign(r: HavenRequest, c: Case, d: dict[str, Any]) -> str:
    actions.assign(keyring=r.keyring, case=c, user=d["user"])
    return _("Assigned; the case vault is now sealed to them.")


def _unassign(r: HavenRequest, c: Case, d: dict[str, Any]) -> str:
    actions.unassign(actor=r.user, case=c, user=d["user"])
    return _("Unassigned; their access is revoked.")


def _vetting(r: HavenRequest, c: Case, d: dict[str, Any]) -> str:
    actions.update_vetting(keyring=r.keyring, case=c, **d)
    return _("Vetting checklist saved.")


def _decide(r: HavenRequest, c: Case, d: dict[str, Any]) -> str:
    actions.decide_vetting(actor=r.user, case=c, decision=d["decision"])
    return _("Vetting decided.")


def _relocation(r: HavenRequest, c: Case, d: dict[str, Any]) -> str:
    actions.set_relocation(actor=r.user, case=c, **d)
    return _("Relocation saved.")


def _document(r: HavenRequest, c: Case, d: dict[str, Any]) -> str:
    actions.add_relocation_document(keyring=r.keyring, case=c, **d)
    return _("Document added.")


def _approval(r: HavenRequest, c: Case, d: dict[str, Any]) -> str:
    actions.request_approval(
        keyring=r.keyring,
        kind=ApprovalRequest.Kind.DISCLOSE_VAULT,
        vault=c.vault,
        target_user=d["target_user"],
        reason=d["reason"],
    )
    return _("Asked a second coordinator to approve.")


def _document_update(r: HavenRequest, c: Case, d: dict[str, Any]) -> str:
    document = RelocationDocument.objects.filter(pk=d["document"], case=c).first()
    if document is None:
        raise actions.CaseError(_("This document is not part of this case."))
    actions.update_relocation_document(
        keyring=r.keyring, document=document, status=d["status"], deadline=d["deadline"]
    )
    return _("Document updated.")


MANAGERS = (Role.CASEWORKER, Role.COORDINATOR)
case_transition = _case_post(TransitionForm, "transition_form", _transition)
case_note = _case_post(NoteForm, "note_form", _note)
case_task = _case_post(TaskForm, "task_form", _task)
case_assign = _case_post(AssignForm, "assign_form", _assign, roles=MANAGERS)
case_unassign = _case_post(AssignForm, "assign_form", _unassign, roles=MANAGERS)
case_vetting = _case_post(VettingForm, "vetting_form", _vetting)
case_vetting_decide = _case_post(
    VettingDecisionForm, "decision_form", _decide, roles=(Role.COORDINATOR,)
)
case_relocation = _case_post(RelocationForm, "relocation_form", _relocation, roles=MANAGERS)
case_document = _case_post(DocumentForm, "document_form", _document, roles=(*MANAGERS, Role.LAWYER))
case_document_update = _case_post(
    DocumentStatusForm, "document_status_form", _document_update, roles=(*MANAGERS, Role.LAWYER)
)
case_approval = _case_post(ApprovalForm, "approval_form", _approval, roles=(Role.COORDINATOR,))


@require_POST
@require_role(*CASE_ROLES)
def task_done(request: HavenRequest, case_id: UUID, task_id: UUID) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    task = get_task_for_user(request, case, task_id)
    actions.complete_task(actor=request.user, task=task)
    messages.success(request, _("Task done."))
    return redirect("cases-detail", case_id=case.id)


@require_http_methods(["GET", "POST"])
@require_role(Role.CASEWORKER, Role.COORDINATOR)
def person_edit(
    request: HavenRequest, case_id: UUID, person_id: UUID | None = None
) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    person = None
    if person_id is not None:
        person = get_person_for_user(request, case, person_id)
    initial = PersonForm.initial_from(request.keyring.reader(person)) if person else None
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actions.save_person(
            keyring=request.keyring, case=case, values=form.sealed_values(), person=person
        )
        messages.success(request, _("Saved."))
        return redirect("cases-detail", case_id=case.id)
    return render(
        request,
        "cases/person_form.html",
        {"case": case, "form": form, "person": person},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@require_role(Role.COORDINATOR)
def approvals(request: HavenRequest) -> HttpResponse:
    rows = request.keyring.visible(
        ApprovalRequest.objects.select_related("requested_by", "target_user", "decided_by", "vault")
    ).order_by("-requested_at")[:100]
    return render(request, "cases/approvals.html", {"rows": request.keyring.readers(rows)})


@require_POST
@require_role(Role.COORDINATOR)
def approval_decide(request: HavenRequest, approval_id: UUID) -> HttpResponse:
    approval = get_approval_for_user(request, approval_id)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        # An empty or mangled form must never count as a decision either way.
        messages.error(request, _("Choose approve or reject."))
        return redirect("cases-approvals")
    try:
        actions.decide_approval(
            keyring=request.keyring, approval=approval, approve=decision == "approve"
        )
    except actions.CaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("cases-approvals")


def _index_context(request: HavenRequest, form: IndexGrantForm | None = None) -> dict[str, Any]:
    vault = blind_index.index_vault()
    holders = set(
        Grant.objects.filter(vault=vault).values_list("user_id", flat=True) if vault else []
    )
    staff = IndexGrantForm.staff_queryset()
    return {
        "vault": vault,
        "holds_index": vault is not None and request.keyring.can_open(vault),
        "with_access": [u for u in staff if u.pk in holders],
        "without_access": [u for u in staff if u.pk not in holders],
        "form": form or IndexGrantForm(exclude=holders),
    }


@require_http_methods(["GET", "POST"])
@require_role(Role.COORDINATOR)
def search_index(request: HavenRequest) -> HttpResponse:
    """Who holds the search-index key, and giving it to new staff (a coordinator who holds it)."""
    if request.method == "POST" and "set_up" in request.POST:
        try:
            created = actions.set_up_search_index(keyring=request.keyring)
        except actions.CaseError as exc:
            messages.error(request, str(exc))
        else:
            if created:
                messages.success(
                    request,
                    _("The search index is ready. Give search access to the staff below."),
                )
            else:
                messages.info(request, _("The search index was already set up."))
        return redirect("cases-search-index")
    if request.method == "POST":
        form = IndexGrantForm(request.POST)
        if form.is_valid():
            try:
                actions.grant_search_index(keyring=request.keyring, user=form.cleaned_data["user"])
            except actions.CaseError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Search access given."))
                return redirect("cases-search-index")
        return render(request, "cases/search_index.html", _index_context(request, form), status=400)
    return render(request, "cases/search_index.html", _index_context(request))


@require_POST
@require_role(*CASE_ROLES)
def index_pending(request: HavenRequest) -> HttpResponse:
    try:
        done = actions.index_pending_people(keyring=request.keyring)
    except actions.CaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            ngettext(
                "%(n)d person added to the name search.",
                "%(n)d people added to the name search.",
                done,
            )
            % {"n": done},
        )
    return redirect("cases-list")


@require_GET
@require_role(Role.COORDINATOR, Role.ADMIN)
def exposure(request: HavenRequest) -> HttpResponse:
    duress = request.keyring.duress
    rows = [] if duress else exposure_report()
    burned = [] if duress else burned_exposure()
    return render(request, "cases/exposure.html", {"rows": rows, "burned": burned})


def my_cases_panel(request: HavenRequest) -> Panel | None:
    if not request.user.has_role(*CASE_ROLES):
        return None
    visible = request.keyring.visible(Case.objects.all())
    mine = visible.filter(pk__in=queries.assigned_to(request.user)).exclude(state="closed").count()
    overdue = visible.filter(pk__in=queries.open_tasks_due_before(timezone.localdate())).count()
    waiting_vetting = (
        visible.filter(state="vetting", vetting__decision="pending").count()
        if request.user.has_role(Role.COORDINATOR)
        else None
    )
    pending_approvals = (
        request.keyring.visible(ApprovalRequest.undecided())
        .exclude(requested_by=request.user)
        .count()
        if request.user.has_role(Role.COORDINATOR)
        else None
    )
    return Panel(
        _("Cases"),
        "cases/panel.html",
        {
            "mine": mine,
            "overdue": overdue,
            "vetting": waiting_vetting,
            "approvals": pending_approvals,
        },
        order=20,
    )

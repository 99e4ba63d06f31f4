"""The coordinators' page of suggestions from comparisons with partners, and the decision.

A suggestion says only "our record X may be a person the partner also holds, at this
similarity". The page shows our side (the coordinator holds its vault) and never anything of
the partner's but their name and the score: what the partner holds is exchanged only through a
referral, after a person has confirmed.

The page is also where a coordinator asks a second one to approve encoding the case list
(`haven linkage encode --source cases`), as the registry's page is where its export is asked
for."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from haven.accounts.access import require_role
from haven.accounts.models import Role
from haven.cases.public import ApprovalRequest, CaseError, Person, request_case_encoding
from haven.core.http import HavenRequest
from haven.linkage import actions
from haven.linkage.access import get_suggestion_for_user, visible_suggestions
from haven.linkage.errors import LinkageError
from haven.linkage.forms import DecisionForm, EncodingRequestForm
from haven.linkage.models import LinkageSuggestion
from haven.missing.public import MissingPersonReport
from haven.vault.blind_index import index_vault

PAGE_SIZE = 50
# The partners app (referrals between organisations, haven/partners) names its "refer this
# case" page so, with the case id. While it is not installed, and for a registry report (which
# is no case), a confirmed suggestion says to arrange the referral with the partner.
REFERRAL_URL_NAME = "partners-referral-new"


def _referral_url(case_id: Any) -> str | None:
    if case_id is None:
        return None
    try:
        return reverse(REFERRAL_URL_NAME, kwargs={"case_id": case_id})
    except NoReverseMatch:
        return None


def _rows(request: HavenRequest, suggestions: list[LinkageSuggestion]) -> list[dict[str, Any]]:
    keyring = request.keyring
    readers = keyring.readers(suggestions)
    wanted: dict[str, set[str]] = {"report": set(), "person": set()}
    for reader in readers:
        record = reader.our_record or {}
        if record.get("kind") in wanted:
            wanted[record["kind"]].add(record["id"])
    reports = {
        str(r.pk): r
        for r in keyring.visible(MissingPersonReport.objects.select_related("vault")).filter(
            pk__in=wanted["report"]
        )
    }
    people = {
        str(p.pk): p
        for p in keyring.visible(Person.objects.select_related("vault", "case")).filter(
            pk__in=wanted["person"]
        )
    }
    opened = {
        id(o): r
        for o, r in zip(
            [*reports.values(), *people.values()],
            keyring.readers([*reports.values(), *people.values()]),
            strict=True,
        )
    }
    rows = []
    for suggestion, reader in zip(suggestions, readers, strict=True):
        record = reader.our_record or {}
        report = reports.get(record.get("id", "")) if record.get("kind") == "report" else None
        person = people.get(record.get("id", "")) if record.get("kind") == "person" else None
        target = report or person
        rows.append(
            {
                "suggestion": suggestion,
                "partner": reader.partner,
                "report": report,
                "person": person,
                "name": _display_name(opened[id(target)]) if target is not None else "",
                "referral": _referral_url(person.case_id if person is not None else None),
            }
        )
    return rows


def _display_name(reader: Any) -> str:
    full = reader.full_name if isinstance(reader.record, MissingPersonReport) else None
    parts = [reader.given_name or "", reader.patronymic or "", reader.family_name or ""]
    return str(full or " ".join(p for p in parts if p))


def _encoding_context(request: HavenRequest, form: EncodingRequestForm | None) -> dict[str, Any]:
    """The requester's own requests to encode the case list (in the search-index vault, so a
    duress session sees none) and the form to ask for one, for whoever holds the index."""
    vault = index_vault()
    holds_index = vault is not None and request.keyring.can_open(vault)
    asked = (
        request.keyring.visible(
            ApprovalRequest.objects.filter(
                kind=ApprovalRequest.Kind.ENCODE_CASES, requested_by=request.user
            )
        ).order_by("-requested_at")[:5]
        if holds_index
        else []
    )
    return {
        "holds_index": holds_index,
        "encoding_requests": list(asked),
        "encoding_form": form or EncodingRequestForm(),
    }


def _list(
    request: HavenRequest,
    form: DecisionForm | None = None,
    status: int = 200,
    encoding_form: EncodingRequestForm | None = None,
) -> HttpResponse:
    qs = visible_suggestions(request).order_by("state", "-score", "created_at")  # type: ignore[attr-defined]
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "linkage/suggestions.html",
        {
            "page": page,
            "rows": _rows(request, list(page.object_list)),
            "form": form,
            **_encoding_context(request, encoding_form),
        },
        status=status,
    )


@require_GET
@require_role(Role.COORDINATOR)
def suggestion_list(request: HavenRequest) -> HttpResponse:
    return _list(request)


@require_POST
@require_role(Role.COORDINATOR)
def suggestion_decide(request: HavenRequest, suggestion_id: UUID) -> HttpResponse:
    suggestion = get_suggestion_for_user(request, suggestion_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        confirm = form.cleaned_data["decision"] == "confirm"
        try:
            actions.decide_suggestion(
                keyring=request.keyring, suggestion=suggestion, confirm=confirm
            )
        except LinkageError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Confirmed. Nothing has been exchanged yet: start a referral to the partner.")
                if confirm
                else _("Rejected: not the same person."),
            )
            return redirect("linkage-list")
    return _list(request, form, status=400)


@require_POST
@require_role(Role.COORDINATOR)
def encoding_request(request: HavenRequest) -> HttpResponse:
    """Ask a second coordinator to approve one encoding of the case list."""
    form = EncodingRequestForm(request.POST)
    if form.is_valid():
        try:
            request_case_encoding(keyring=request.keyring, reason=form.cleaned_data["reason"])
        except CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "Asked a second coordinator to approve. Once approved, run "
                    "“haven linkage encode --source cases” once."
                ),
            )
            return redirect("linkage-list")
    return _list(request, status=400, encoding_form=form)

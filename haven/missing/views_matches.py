"""Staff views of the registry's match suggestions: the list, the side-by-side comparison and
the decision, the dashboard panel, and the suggestions on a hotline request's triage page. Every
suggestion is loaded through :func:`get_candidate_for_user` (both sides must open)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from haven.accounts.access import require_role
from haven.core.http import HavenRequest
from haven.core.registry import Panel
from haven.missing import actions, matching
from haven.missing.access import get_candidate_for_user
from haven.missing.errors import MissingError
from haven.missing.forms import DecisionForm
from haven.missing.models import MatchCandidate, Sex
from haven.missing.views import MAX_SCORE_PER_PAGE, PAGE_SIZE, WRITE_ROLES


@require_GET
@require_role(*WRITE_ROLES)
def match_list(request: HavenRequest) -> HttpResponse:
    keyring = request.keyring
    pending = matching.visible_candidates(keyring).filter(decision=MatchCandidate.Decision.PENDING)
    actions.score_matches(
        keyring=keyring, candidates=pending.filter(score__isnull=True)[:MAX_SCORE_PER_PAGE]
    )
    page = Paginator(
        pending.filter(score__isnull=False).order_by("-score", "found_at"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = []
    for candidate in page.object_list:
        rows.append(
            {
                "candidate": candidate,
                "left": keyring.reader(candidate.report),
                "right": keyring.reader(matching.other_side(candidate)),
                "case": candidate.person.case if candidate.person_id else None,
            }
        )
    return render(request, "missing/match_list.html", {"page": page, "rows": rows})


def _match_context(request: HavenRequest, candidate: MatchCandidate, form: Any) -> dict[str, Any]:
    keyring = request.keyring
    left = keyring.reader(candidate.report)
    if candidate.other_report_id:
        right = keyring.reader(candidate.other_report)  # type: ignore[type-var]
        right_rows = _report_rows(right)
        right_title = candidate.other_report.reference  # type: ignore[union-attr]
    elif candidate.person_id:
        right = keyring.reader(candidate.person)  # type: ignore[type-var, assignment]
        right_rows = _person_rows(right)
        right_title = _("Case %(ref)s") % {"ref": candidate.person.case.reference}  # type: ignore[union-attr]
    else:
        texts = matching.request_texts(keyring, candidate.help_request)
        right_rows = {
            "name": "; ".join(matching.names_in_texts(texts)),
            "description": "\n\n".join(texts)[:3000],
        }
        right_title = _("Hotline request %(ref)s") % {"ref": candidate.help_request.reference}  # type: ignore[union-attr]
    return {
        "candidate": candidate,
        "left_title": candidate.report.reference,
        "right_title": right_title,
        "rows": _side_by_side(_report_rows(left), right_rows),
        "form": form,
    }


def _report_rows(r: Any) -> dict[str, str]:
    birth = r.birth or {}
    seen = r.last_seen or {}
    return {
        "name": " ".join(p for p in (r.given_name, r.patronymic, r.family_name) if p)
        or (r.full_name or ""),
        "other_names": "; ".join(
            [*([r.full_name] if r.full_name else []), *(r.alternate_names or [])]
        ),
        "sex": str(Sex(r.sex).label) if r.sex in Sex.values else (r.sex or ""),
        "birth": birth.get("date") or str(birth.get("year") or "") or birth.get("age") or "",
        "home": r.home_place or "",
        "last_seen": " · ".join(v for v in (seen.get("place"), seen.get("date")) if v),
        "description": r.description or "",
    }


def _person_rows(p: Any) -> dict[str, str]:
    birth = p.birth or {}
    return {
        "name": " ".join(x for x in (p.given_name, p.patronymic, p.family_name) if x),
        "other_names": "; ".join(p.aliases or []),
        "sex": p.gender or "",
        "birth": birth.get("date") or str(birth.get("year") or ""),
        "home": "",
        "last_seen": "",
        "description": p.notes or "",
    }


def _side_by_side(left: dict[str, str], right: dict[str, str]) -> list[tuple[str, str, str]]:
    labels = {
        "name": _("Name"),
        "other_names": _("Other names"),
        "sex": _("Sex or gender"),
        "birth": _("Born / age"),
        "home": _("Home"),
        "last_seen": _("Last seen"),
        "description": _("Description or notes"),
    }
    return [(labels[k], left.get(k, ""), right.get(k, "")) for k in labels]


@require_http_methods(["GET", "POST"])
@require_role(*WRITE_ROLES)
def match_detail(request: HavenRequest, candidate_id: UUID) -> HttpResponse:
    candidate = get_candidate_for_user(request, candidate_id)
    actions.score_matches(keyring=request.keyring, candidates=[candidate])
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        same = form.cleaned_data["decision"] == MatchCandidate.Decision.CONFIRMED
        try:
            actions.decide_match(
                keyring=request.keyring,
                candidate=candidate,
                same=same,
                reason=form.cleaned_data["reason"],
            )
        except MissingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Linked as the same person.") if same else _("Marked as different.")
            )
            return redirect("missing-matches")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "missing/match_detail.html",
        _match_context(request, candidate, form),
        status=status,
    )


def request_registry_matches(request: HavenRequest, help_request: Any) -> list[MatchCandidate]:
    """For the triage page: look the names in a hotline request up in the registry (if this
    person holds the index), and list the suggestions they can see both sides of."""
    actions.suggest_for_request(keyring=request.keyring, help_request=help_request)
    return list(
        matching.visible_candidates(request.keyring)
        .filter(help_request=help_request)
        .exclude(decision__in=[MatchCandidate.Decision.DISMISSED, MatchCandidate.Decision.REJECTED])
    )


def matches_panel(request: HavenRequest) -> Panel | None:
    user = request.user
    if not user.has_role(*WRITE_ROLES):
        return None
    pending = (
        matching.visible_candidates(request.keyring)
        .filter(decision=MatchCandidate.Decision.PENDING)
        .count()
    )
    if not pending:
        return None
    return Panel(_("Missing persons"), "missing/panel.html", {"pending": pending}, order=40)

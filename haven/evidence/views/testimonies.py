"""Testimony views: recording a testimony, its consent, and the review of the redactions the
engine proposes."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.access import require_role
from haven.core.http import HavenRequest
from haven.evidence import actions
from haven.evidence.access import get_incident_for_user, get_testimony_for_user
from haven.evidence.errors import EvidenceError
from haven.evidence.forms import ConsentForm, ReviewForm, TestimonyForm
from haven.evidence.models import Testimony
from haven.evidence.views import ROLES

# What the redaction engine calls each kind of proposal (haven.lib.redact.model.CATEGORIES),
# as the reviewer reads it: the engine's codes are not words.
REDACTION_KINDS = {
    "PERSON": gettext_lazy("A person's name"),
    "PHONE": gettext_lazy("A phone number"),
    "EMAIL": gettext_lazy("An e-mail address"),
    "HANDLE": gettext_lazy("A messenger or social-media handle"),
    "ADDRESS": gettext_lazy("An address"),
    "DATE OF BIRTH": gettext_lazy("A date of birth"),
    "DOCUMENT": gettext_lazy("A document number"),
    "PLACE": gettext_lazy("A place name"),
}


@require_http_methods(["GET", "POST"])
@require_role(*ROLES)
def testimony_create(request: HavenRequest, incident_id: UUID) -> HttpResponse:
    incident = get_incident_for_user(request, incident_id)
    form = TestimonyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            testimony = actions.add_testimony(
                keyring=request.keyring, incident=incident, **form.cleaned_data
            )
        except EvidenceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Testimony recorded."))
            return redirect("evidence-testimony", testimony_id=testimony.id)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "evidence/testimony_create.html",
        {"form": form, "incident": incident},
        status=status,
    )


def _testimony_context(request: HavenRequest, testimony: Testimony, **forms: Any) -> dict:
    context = {
        "testimony": testimony,
        "t": request.keyring.reader(testimony),
        "incident": testimony.incident,
        "attachments": testimony.attachments.order_by("captured_at"),
        "consent_form": ConsentForm(
            initial={"consent": testimony.consent, "may_be_named": testimony.may_be_named}
        ),
    }
    context.update(forms)
    return context


@require_GET
@require_role(*ROLES)
def testimony_detail(request: HavenRequest, testimony_id: UUID) -> HttpResponse:
    testimony = get_testimony_for_user(request, testimony_id)
    return render(request, "evidence/testimony_detail.html", _testimony_context(request, testimony))


@require_POST
@require_role(*ROLES)
def testimony_consent(request: HavenRequest, testimony_id: UUID) -> HttpResponse:
    testimony = get_testimony_for_user(request, testimony_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        actions.set_consent(keyring=request.keyring, testimony=testimony, **form.cleaned_data)
        messages.success(request, _("Consent saved."))
        return redirect("evidence-testimony", testimony_id=testimony.id)
    return render(
        request,
        "evidence/testimony_detail.html",
        _testimony_context(request, testimony, consent_form=form),
        status=400,
    )


@require_POST
@require_role(*ROLES)
def redaction_propose(request: HavenRequest, testimony_id: UUID) -> HttpResponse:
    testimony = get_testimony_for_user(request, testimony_id)
    proposals = actions.propose_redactions(keyring=request.keyring, testimony=testimony)
    if testimony.language not in ("ru", "en"):
        messages.warning(
            request,
            _(
                "The redaction engine knows Russian and English only; it guessed the language from the script. Review every line with extra care."
            ),
        )
    messages.success(
        request,
        ngettext("%(n)d redaction proposed.", "%(n)d redactions proposed.", len(proposals))
        % {"n": len(proposals)},
    )
    return redirect("evidence-review", testimony_id=testimony.id)


@require_http_methods(["GET", "POST"])
@require_role(*ROLES)
def redaction_review(request: HavenRequest, testimony_id: UUID) -> HttpResponse:
    testimony = get_testimony_for_user(request, testimony_id)
    t = request.keyring.reader(testimony)
    proposals = t.proposals
    if proposals is None:
        messages.error(request, _("Ask for redaction proposals first."))
        return redirect("evidence-testimony", testimony_id=testimony.id)
    form = ReviewForm(
        request.POST or None,
        count=len(proposals),
        initial={"accepted": [i for i, p in enumerate(proposals) if p.get("accepted")]},
    )
    if request.method == "POST" and form.is_valid():
        actions.review_redactions(
            keyring=request.keyring,
            testimony=testimony,
            accepted=set(form.cleaned_data["accepted"]),
        )
        messages.success(request, _("Reviewed text saved: this is what a publication contains."))
        return redirect("evidence-testimony", testimony_id=testimony.id)
    text = t.text or ""
    rows = [
        {
            "index": i,
            "p": p,
            "kind": REDACTION_KINDS.get(
                p.get("category", ""), gettext_lazy("Something else to check")
            ),
            "before": text[max(0, p["start"] - 40) : p["start"]],
            "after": text[p["end"] : p["end"] + 40],
        }
        for i, p in enumerate(proposals)
    ]
    preview = actions.apply_proposals(text, proposals)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "evidence/review.html",
        {"testimony": testimony, "rows": rows, "form": form, "preview": preview},
        status=status,
    )

"""Incident views: the list, the record and its edit form, the parts added to it (places,
perpetrators, victims, sources) and sharing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.access import require_role
from haven.core.http import HavenRequest
from haven.evidence import actions
from haven.evidence.access import get_incident_for_user
from haven.evidence.errors import EvidenceError
from haven.evidence.forms import (
    IncidentForm,
    PerpetratorForm,
    PlaceForm,
    ShareForm,
    SourceForm,
    VictimForm,
)
from haven.evidence.models import EvidenceIncident
from haven.evidence.views import ROLES
from haven.vault.models import Grant

PAGE_SIZE = 50


@require_GET
@require_role(*ROLES)
def incident_list(request: HavenRequest) -> HttpResponse:
    incidents = request.keyring.visible(EvidenceIncident.objects.select_related("vault")).order_by(
        "-updated_at"
    )
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "evidence/incident_list.html",
        {"page": page, "rows": request.keyring.readers(page.object_list)},
    )


@require_http_methods(["GET", "POST"])
@require_role(*ROLES)
def incident_create(request: HavenRequest) -> HttpResponse:
    form = IncidentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            incident = actions.create_incident(
                keyring=request.keyring,
                title=d["title"],
                summary=d["summary"],
                violations=d["violations"],
                date_start=d["date_start"],
                date_end=d["date_end"],
                date_precision=d["date_precision"],
                region=d["region"],
                colleague=d["colleague"],
            )
        except EvidenceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Incident %(ref)s recorded.") % {"ref": incident.reference})
            return redirect("evidence-incident", incident_id=incident.id)
    status = 400 if request.method == "POST" else 200
    return render(request, "evidence/incident_create.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@require_role(*ROLES)
def incident_edit(request: HavenRequest, incident_id: UUID) -> HttpResponse:
    incident = get_incident_for_user(request, incident_id)
    r = request.keyring.reader(incident)
    initial = {
        "title": r.title,
        "summary": r.summary or "",
        "violations": incident.violations,
        "date_start": incident.date_start,
        "date_end": incident.date_end,
        "date_precision": incident.date_precision,
        "region": incident.region,
    }
    form = IncidentForm(request.POST or None, initial=initial, user=request.user)
    del form.fields["colleague"]  # sharing has its own form on the incident's page
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_incident(keyring=request.keyring, incident=incident, **form.cleaned_data)
        except EvidenceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("evidence-incident", incident_id=incident.id)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "evidence/incident_create.html",
        {"form": form, "incident": incident},
        status=status,
    )


def _incident_context(
    request: HavenRequest, incident: EvidenceIncident, **forms: Any
) -> dict[str, Any]:
    kr = request.keyring
    context = {
        "incident": incident,
        "incident_r": kr.reader(incident),
        "places": kr.readers(incident.places.select_related("vault")),
        "perpetrators": kr.readers(incident.perpetrators.select_related("vault")),
        "victims": kr.readers(incident.victims.select_related("vault", "case")),
        "sources": kr.readers(incident.sources.select_related("vault")),
        "testimonies": kr.readers(
            incident.testimonies.select_related("vault", "taken_by").defer("text", "proposals")
        ),
        "attachments": incident.attachments.order_by("captured_at"),
        "exports": kr.readers(incident.exports.select_related("actor", "vault")[:20]),
        "place_form": PlaceForm(),
        "perpetrator_form": PerpetratorForm(),
        "victim_form": VictimForm(),
        "source_form": SourceForm(),
        "share_form": ShareForm(incident=incident),
        "holders": Grant.objects.filter(vault=incident.vault)
        .select_related("user")
        .order_by("user__username"),
    }
    context.update(forms)
    return context


@require_GET
@require_role(*ROLES)
def incident_detail(request: HavenRequest, incident_id: UUID) -> HttpResponse:
    incident = get_incident_for_user(request, incident_id)
    return render(request, "evidence/incident_detail.html", _incident_context(request, incident))


def _incident_page(request: HavenRequest, incident: EvidenceIncident, **forms: Any) -> HttpResponse:
    """The incident's page again, with the refused form and its message (400)."""
    return render(
        request,
        "evidence/incident_detail.html",
        _incident_context(request, incident, **forms),
        status=400,
    )


@require_POST
@require_role(*ROLES)
def place_add(request: HavenRequest, incident_id: UUID) -> HttpResponse:
    incident = get_incident_for_user(request, incident_id)
    form = PlaceForm(request.POST)
    if form.is_valid():
        try:
            actions.add_place(keyring=request.keyring, incident=incident, **form.cleaned_data)
        except EvidenceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("evidence-incident", incident_id=incident.id)
    return _incident_page(request, incident, place_form=form)


@require_POST
@require_role(*ROLES)
def perpetrator_add(request: HavenRequest, incident_id: UUID) -> HttpResponse:
    incident = get_incident_for_user(request, incident_id)
    form = PerpetratorForm(request.POST)
    if form.is_valid():
        try:
            actions.add_perpetrator(keyring=request.keyring, incident=incident, **form.cleaned_data)
        except EvidenceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("evidence-incident", incident_id=incident.id)
    return _incident_page(request, incident, perpetrator_form=form)


@require_POST
@require_role(*ROLES)
def victim_add(request: HavenRequest, incident_id: UUID) -> HttpResponse:
    incident = get_incident_for_user(request, incident_id)
    form = VictimForm(request.POST)
    if form.is_valid():
        try:
            actions.add_victim(keyring=request.keyring, incident=incident, **form.cleaned_data)
        except EvidenceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("evidence-incident", incident_id=incident.id)
    return _incident_page(request, incident, victim_form=form)


@require_POST
@require_role(*ROLES)
def source_add(request: HavenRequest, incident_id: UUID) -> HttpResponse:
    incident = get_incident_for_user(request, incident_id)
    form = SourceForm(request.POST)
    if form.is_valid():
        try:
            actions.add_source(keyring=request.keyring, incident=incident, **form.cleaned_data)
        except EvidenceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("evidence-incident", incident_id=incident.id)
    return _incident_page(request, incident, source_form=form)


@require_POST
@require_role(*ROLES)
def part_remove(request: HavenRequest, incident_id: UUID, kind: str, part_id: UUID) -> HttpResponse:
    """Remove a place, perpetrator, victim or source added by mistake."""
    incident = get_incident_for_user(request, incident_id)
    try:
        actions.remove_part(keyring=request.keyring, incident=incident, kind=kind, part_id=part_id)
    except EvidenceError as exc:
        messages.error(request, str(exc))
        return _incident_page(request, incident)
    messages.success(request, _("Removed."))
    return redirect("evidence-incident", incident_id=incident.id)


@require_POST
@require_role(*ROLES)
def incident_share(request: HavenRequest, incident_id: UUID) -> HttpResponse:
    incident = get_incident_for_user(request, incident_id)
    form = ShareForm(request.POST, incident=incident)
    if form.is_valid():
        try:
            actions.share_incident(
                keyring=request.keyring, incident=incident, user=form.cleaned_data["user"]
            )
        except EvidenceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Shared: the incident's vault is now sealed to them."))
            return redirect("evidence-incident", incident_id=incident.id)
    return _incident_page(request, incident, share_form=form)

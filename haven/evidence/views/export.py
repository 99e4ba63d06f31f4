"""Export views: a bundle for a court, a UN body or a publication, and the request for a second
coordinator's approval to export against consent."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts.access import require_role
from haven.accounts.models import Role
from haven.cases.public import ApprovalRequest, CaseError
from haven.core.http import HavenRequest
from haven.evidence import bundle
from haven.evidence.access import get_incident_for_user
from haven.evidence.errors import EvidenceError
from haven.evidence.forms import ExportForm, OverrideRequestForm
from haven.evidence.models import EvidenceIncident
from haven.evidence.views import ROLES


def _export_context(request: HavenRequest, incident: EvidenceIncident, **forms: Any) -> dict:
    return {
        "incident": incident,
        "testimonies": incident.testimonies.order_by("created_at"),
        "form": forms.get("form") or ExportForm(),
        "override_form": forms.get("override_form") or OverrideRequestForm(),
        "pending": ApprovalRequest.objects.filter(
            vault=incident.vault,
            kind=ApprovalRequest.Kind.EXPORT_IDENTIFIED,
            requested_by=request.user,
            executed_at__isnull=True,
        ).exclude(status=ApprovalRequest.Status.REJECTED),
    }


@require_http_methods(["GET", "POST"])
@require_role(*ROLES)
def export(request: HavenRequest, incident_id: UUID) -> HttpResponse:
    incident = get_incident_for_user(request, incident_id)
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            built = bundle.build_bundle(
                keyring=request.keyring,
                incident=incident,
                audience=form.cleaned_data["audience"],
                override_reason=form.cleaned_data["override_reason"],
            )
        except EvidenceError as exc:
            form.add_error(None, str(exc))
        else:
            response = HttpResponse(built.data, content_type="application/zip")
            name = f"{incident.reference}-{built.export.audience}-{built.export.at:%Y%m%d-%H%M}.zip"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "evidence/export.html",
        _export_context(request, incident, form=form),
        status=status,
    )


@require_POST
@require_role(Role.DOCUMENTATION)
def override_request(request: HavenRequest, incident_id: UUID) -> HttpResponse:
    """Ask a second coordinator to allow one export against consent (the two-person rule)."""
    incident = get_incident_for_user(request, incident_id)
    form = OverrideRequestForm(request.POST)
    if form.is_valid():
        from haven.cases.public import request_approval

        try:
            request_approval(
                keyring=request.keyring,
                kind=ApprovalRequest.Kind.EXPORT_IDENTIFIED,
                vault=incident.vault,
                target_user=None,
                reason=form.cleaned_data["reason"],
            )
        except CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Asked; a second coordinator must approve."))
            return redirect("evidence-export", incident_id=incident.id)
    return render(
        request,
        "evidence/export.html",
        _export_context(request, incident, override_form=form),
        status=400,
    )

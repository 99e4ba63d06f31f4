"""Attachment views: upload, the file's page, downloads, verification, transfer, deletion and
the chain of custody. Every view or download of a file is a link in its chain."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.access import require_role
from haven.core.http import HavenRequest
from haven.evidence import actions, bundle
from haven.evidence.access import get_attachment_for_user, get_incident_for_user
from haven.evidence.errors import EvidenceError
from haven.evidence.forms import AttachmentForm, DeleteForm, TransferForm, VerificationForm
from haven.evidence.models import CustodyEvent, EvidenceAttachment
from haven.evidence.views import ROLES
from haven.ops.public import UPLOAD_MESSAGES


@require_http_methods(["GET", "POST"])
@require_role(*ROLES)
def attachment_upload(request: HavenRequest, incident_id: UUID) -> HttpResponse:
    incident = get_incident_for_user(request, incident_id)
    form = AttachmentForm(request.POST or None, request.FILES or None, incident=incident)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            attachment = actions.capture_attachment(
                keyring=request.keyring,
                incident=incident,
                name=f.name or "",
                data=f.read(),
                declared_type=f.content_type or "",
                notes=form.cleaned_data["notes"],
                testimony=form.cleaned_data["testimony"],
            )
        except EvidenceError as exc:
            form.add_error("file", str(exc))
        else:
            if attachment.problems:
                messages.warning(
                    request,
                    _(
                        "The file could not be parsed; it is kept unchanged as an opaque original, flagged, with no working copy."
                    ),
                )
            messages.success(request, _("File kept; its SHA-256 was recorded at capture."))
            return redirect("evidence-attachment", attachment_id=attachment.id)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "evidence/attachment_upload.html",
        {"form": form, "incident": incident, "max_mb": actions.max_file_bytes() // 2**20},
        status=status,
    )


def _custody_label(action: str) -> str:
    try:
        return str(CustodyEvent.Action(action).label)
    except ValueError:
        return action


def _audience_label(audience: str | None) -> str:
    if not audience:
        return ""
    try:
        return str(bundle.BundleAudience(audience).label)
    except ValueError:
        return audience


def _attachment_context(
    request: HavenRequest, attachment: EvidenceAttachment, **forms: Any
) -> dict:
    opened = request.keyring.open(attachment.vault)
    return {
        "attachment": attachment,
        "a": request.keyring.reader(attachment),
        "incident": attachment.incident,
        "problems": [str(UPLOAD_MESSAGES.get(p, p)) for p in attachment.problems],
        "custody": [
            {
                **e,
                "action_label": _custody_label(e["action"]),
                "audience_label": _audience_label((e.get("detail") or {}).get("audience")),
            }
            for e in bundle.custody_log(opened, attachment)
        ],
        "verification_form": forms.get("verification_form")
        or VerificationForm(initial={"status": attachment.verification}),
        "transfer_form": forms.get("transfer_form") or TransferForm(),
        "delete_form": forms.get("delete_form") or DeleteForm(),
    }


@require_GET
@require_role(*ROLES)
def attachment_detail(request: HavenRequest, attachment_id: UUID) -> HttpResponse:
    attachment = get_attachment_for_user(request, attachment_id)
    actions.record_view(keyring=request.keyring, attachment=attachment)
    return render(
        request, "evidence/attachment_detail.html", _attachment_context(request, attachment)
    )


@require_GET
@require_role(*ROLES)
def attachment_download(request: HavenRequest, attachment_id: UUID) -> HttpResponse:
    attachment = get_attachment_for_user(request, attachment_id)
    copy = request.GET.get("copy", "working")
    try:
        data = actions.read_attachment(keyring=request.keyring, attachment=attachment, copy=copy)
    except EvidenceError as exc:
        messages.error(request, str(exc))
        return redirect("evidence-attachment", attachment_id=attachment.id)
    # Always a download of opaque bytes: a hostile file must never render in the browser.
    response = HttpResponse(data, content_type="application/octet-stream")
    name = f"{attachment.incident.reference}-{str(attachment.id)[:8]}-{copy}.bin"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@require_role(*ROLES)
def attachment_verify(request: HavenRequest, attachment_id: UUID) -> HttpResponse:
    attachment = get_attachment_for_user(request, attachment_id)
    form = VerificationForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.set_verification(
                keyring=request.keyring, attachment=attachment, status=d["status"], notes=d["notes"]
            )
        except EvidenceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Verification saved."))
            return redirect("evidence-attachment", attachment_id=attachment.id)
    return render(
        request,
        "evidence/attachment_detail.html",
        _attachment_context(request, attachment, verification_form=form),
        status=400,
    )


@require_POST
@require_role(*ROLES)
def attachment_transfer(request: HavenRequest, attachment_id: UUID) -> HttpResponse:
    attachment = get_attachment_for_user(request, attachment_id)
    form = TransferForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.transfer_attachment(keyring=request.keyring, attachment=attachment, **d)
        except EvidenceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Transfer recorded in the chain of custody."))
            return redirect("evidence-attachment", attachment_id=attachment.id)
    return render(
        request,
        "evidence/attachment_detail.html",
        _attachment_context(request, attachment, transfer_form=form),
        status=400,
    )


@require_POST
@require_role(*ROLES)
def attachment_delete(request: HavenRequest, attachment_id: UUID) -> HttpResponse:
    attachment = get_attachment_for_user(request, attachment_id)
    form = DeleteForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.delete_attachment(
                keyring=request.keyring, attachment=attachment, reason=d["reason"]
            )
        except EvidenceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("The file's content is deleted; its hash and chain of custody remain.")
            )
            return redirect("evidence-attachment", attachment_id=attachment.id)
    return render(
        request,
        "evidence/attachment_detail.html",
        _attachment_context(request, attachment, delete_form=form),
        status=400,
    )


@require_GET
@require_role(*ROLES)
def attachment_custody(request: HavenRequest, attachment_id: UUID) -> HttpResponse:
    attachment = get_attachment_for_user(request, attachment_id)
    opened = request.keyring.open(attachment.vault)
    body = json.dumps(
        {
            "incident": attachment.incident.reference,
            "attachment": str(attachment.id),
            "sha256_at_capture": opened.unseal(attachment, "sha256"),
            "custody": bundle.custody_log(opened, attachment),
        },
        ensure_ascii=False,
        indent=2,
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="custody-{str(attachment.id)[:8]}.json"'
    )
    return response

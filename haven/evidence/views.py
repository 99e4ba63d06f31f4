"""Evidence views: incidents, testimony, files and their custody, redaction review, export.

Staff only: documentation officers and lawyers. Each object is loaded through its access
function (404 for missing and not-yours alike); each write is an action; a refused or invalid
form comes back with what was typed and a translated message (400), never a 500."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.access import require_role
from haven.accounts.models import Role
from haven.cases.errors import CaseError
from haven.cases.models import ApprovalRequest
from haven.core.http import HavenRequest
from haven.evidence import actions, bundle
from haven.evidence.access import (
    get_attachment_for_user,
    get_incident_for_user,
    get_testimony_for_user,
)
from haven.evidence.errors import EvidenceError
from haven.evidence.forms import (
    AttachmentForm,
    ConsentForm,
    DeleteForm,
    ExportForm,
    IncidentForm,
    OverrideRequestForm,
    PerpetratorForm,
    PlaceForm,
    ReviewForm,
    ShareForm,
    SourceForm,
    TestimonyForm,
    TransferForm,
    VerificationForm,
    VictimForm,
)
from haven.evidence.models import CustodyEvent, EvidenceAttachment, EvidenceIncident, Testimony
from haven.ops.uploads import MESSAGES as UPLOAD_MESSAGES
from haven.vault.models import Grant

ROLES = (Role.DOCUMENTATION, Role.LAWYER)
PAGE_SIZE = 50

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


def _part_view(
    form_class: type,
    context_name: str,
    apply: Callable[[HavenRequest, EvidenceIncident, dict], Any],
) -> Callable[..., HttpResponse]:
    """One POST view per kind of record added to an incident."""

    @require_POST
    @require_role(*ROLES)
    def view(request: HavenRequest, incident_id: UUID) -> HttpResponse:
        incident = get_incident_for_user(request, incident_id)
        form = form_class(request.POST)
        if form.is_valid():
            try:
                apply(request, incident, form.cleaned_data)
            except EvidenceError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved."))
                return redirect("evidence-incident", incident_id=incident.id)
        return render(
            request,
            "evidence/incident_detail.html",
            _incident_context(request, incident, **{context_name: form}),
            status=400,
        )

    return view


@require_POST
@require_role(*ROLES)
def part_remove(request: HavenRequest, incident_id: UUID, kind: str, part_id: UUID) -> HttpResponse:
    """Remove a place, perpetrator, victim or source added by mistake."""
    incident = get_incident_for_user(request, incident_id)
    try:
        actions.remove_part(keyring=request.keyring, incident=incident, kind=kind, part_id=part_id)
    except EvidenceError as exc:
        messages.error(request, str(exc))
        return render(
            request,
            "evidence/incident_detail.html",
            _incident_context(request, incident),
            status=400,
        )
    messages.success(request, _("Removed."))
    return redirect("evidence-incident", incident_id=incident.id)


place_add = _part_view(
    PlaceForm,
    "place_form",
    lambda r, i, d: actions.add_place(keyring=r.keyring, incident=i, **d),
)
perpetrator_add = _part_view(
    PerpetratorForm,
    "perpetrator_form",
    lambda r, i, d: actions.add_perpetrator(keyring=r.keyring, incident=i, **d),
)
victim_add = _part_view(
    VictimForm,
    "victim_form",
    lambda r, i, d: actions.add_victim(keyring=r.keyring, incident=i, **d),
)
source_add = _part_view(
    SourceForm,
    "source_form",
    lambda r, i, d: actions.add_source(keyring=r.keyring, incident=i, **d),
)


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
    return render(
        request,
        "evidence/incident_detail.html",
        _incident_context(request, incident, share_form=form),
        status=400,
    )


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


def _attachment_post(
    form_class: type,
    context_name: str,
    apply: Callable[[HavenRequest, EvidenceAttachment, dict], str],
) -> Callable[..., HttpResponse]:
    @require_POST
    @require_role(*ROLES)
    def view(request: HavenRequest, attachment_id: UUID) -> HttpResponse:
        attachment = get_attachment_for_user(request, attachment_id)
        form = form_class(request.POST)
        if form.is_valid():
            try:
                done = apply(request, attachment, form.cleaned_data)
            except EvidenceError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, done)
                return redirect("evidence-attachment", attachment_id=attachment.id)
        return render(
            request,
            "evidence/attachment_detail.html",
            _attachment_context(request, attachment, **{context_name: form}),
            status=400,
        )

    return view


def _verify(r: HavenRequest, a: EvidenceAttachment, d: dict) -> str:
    actions.set_verification(keyring=r.keyring, attachment=a, status=d["status"], notes=d["notes"])
    return _("Verification saved.")


def _transfer(r: HavenRequest, a: EvidenceAttachment, d: dict) -> str:
    actions.transfer_attachment(keyring=r.keyring, attachment=a, **d)
    return _("Transfer recorded in the chain of custody.")


def _delete(r: HavenRequest, a: EvidenceAttachment, d: dict) -> str:
    actions.delete_attachment(keyring=r.keyring, attachment=a, reason=d["reason"])
    return _("The file's content is deleted; its hash and chain of custody remain.")


attachment_verify = _attachment_post(VerificationForm, "verification_form", _verify)
attachment_transfer = _attachment_post(TransferForm, "transfer_form", _transfer)
attachment_delete = _attachment_post(DeleteForm, "delete_form", _delete)


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
        from haven.cases.approvals import request_approval

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

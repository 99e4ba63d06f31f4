"""Pages of the partners app (coordinators only): the directory and this organisation's keys, a
case's consents and referrals, the inbox of referrals received; and the one public endpoint,
`/partners/inbox/`, where a partner's Haven delivers packages (authenticated by signature)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.access import require_role
from haven.accounts.models import Role, User
from haven.cases.public import Person, RelocationDocument, get_case_for_user
from haven.core.http import HavenRequest
from haven.core.registry import Panel
from haven.lib.admission import SharedBudget
from haven.partners import actions
from haven.partners import package as pkg
from haven.partners.access import (
    get_consent_for_user,
    get_envelope_for_user,
    get_incoming_for_user,
    get_partner_for_user,
    get_referral_for_user,
    holds_exchange_keys,
    visible_incoming,
    visible_partners,
    visible_referrals,
)
from haven.partners.forms import (
    FIELD_LABELS,
    ConsentForm,
    DecisionForm,
    PackageUploadForm,
    PartnerForm,
    ReasonForm,
    ReferralForm,
    ShareKeysForm,
)
from haven.partners.models import Consent, Envelope, IncomingReferral, Partner, Purpose, Referral

logger = logging.getLogger("haven.partners")
ROLES = (Role.COORDINATOR,)


# ---- the directory and our keys ----------------------------------------------------------------


def _coordinators_without_keys(request: HavenRequest) -> list[tuple[str, str]]:
    keys = actions.current_keys()
    if keys is None or request.keyring.duress:
        return []
    users = (
        User.objects.filter(role_assignments__role=Role.COORDINATOR, is_active=True)
        .exclude(grants__vault=keys.vault)
        .distinct()
        .order_by("username")
    )
    return [(str(u.pk), u.username) for u in users]


def _directory(
    request: HavenRequest, share_form: ShareKeysForm | None = None, status: int = 200
) -> HttpResponse:
    keys = actions.current_keys() if not request.keyring.duress else None
    holds = holds_exchange_keys(request)
    users = _coordinators_without_keys(request) if holds else []
    return render(
        request,
        "partners/directory.html",
        {
            "partners": visible_partners(request),
            "keys": keys,
            "holds_keys": holds,
            "share_form": share_form or (ShareKeysForm(users=users) if users else None),
        },
        status=status,
    )


@require_GET
@require_role(*ROLES)
def directory(request: HavenRequest) -> HttpResponse:
    return _directory(request)


@require_POST
@require_role(*ROLES)
def keys_share(request: HavenRequest) -> HttpResponse:
    form = ShareKeysForm(request.POST, users=_coordinators_without_keys(request))
    if form.is_valid():
        try:
            actions.share_exchange_keys(
                keyring=request.keyring,
                user=User.objects.get(pk=form.cleaned_data["user"]),
                reason=form.cleaned_data["reason"],
            )
        except actions.PartnerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Asked: a second coordinator must approve it."))
            return redirect("partners-directory")
    return _directory(request, form, status=400)


@require_POST
@require_role(*ROLES)
def keys_set_up(request: HavenRequest) -> HttpResponse:
    try:
        actions.set_up_exchange_keys(keyring=request.keyring)
    except actions.PartnerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Exchange keys made. Give the public keys to your partners."))
    return redirect("partners-directory")


def _partner_initial(partner: Partner) -> dict[str, Any]:
    initial = {f: getattr(partner, f) for f in PartnerForm.base_fields}
    initial["countries"] = ", ".join(partner.countries)
    return initial


@require_http_methods(["GET", "POST"])
@require_role(*ROLES)
def partner_edit(request: HavenRequest, partner_id: UUID | None = None) -> HttpResponse:
    partner = get_partner_for_user(request, partner_id) if partner_id else None
    if request.method == "POST":
        form = PartnerForm(request.POST)
        if form.is_valid():
            try:
                actions.save_partner(actor=request.user, values=form.cleaned_data, partner=partner)
            except actions.PartnerError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Directory saved."))
                return redirect("partners-directory")
        status = 400
    else:
        form = PartnerForm(initial=_partner_initial(partner) if partner else None)
        status = 200
    return render(
        request, "partners/partner_form.html", {"form": form, "partner": partner}, status=status
    )


# ---- a case's consents and referrals -----------------------------------------------------------


def _people_choices(request: HavenRequest, case: Any) -> list[tuple[str, str]]:
    people = list(Person.objects.filter(case=case).order_by("created_at"))
    readers = request.keyring.readers(people)
    out = []
    for n, (person, reader) in enumerate(zip(people, readers, strict=True), 1):
        name = " ".join(x for x in (reader.given_name, reader.family_name) if x)
        out.append((str(person.id), name or _("Person %(n)s") % {"n": n}))
    return out


def _partner_choices(request: HavenRequest) -> list[tuple[str, str]]:
    return [(str(p.id), p.name) for p in visible_partners(request).filter(active=True)]


def _case_context(request: HavenRequest, case: Any, **forms: Any) -> dict[str, Any]:
    people = _people_choices(request, case)
    names = dict(people)
    consents = list(
        request.keyring.visible(
            Consent.objects.filter(case=case).select_related("partner")
        ).order_by("-recorded_at")
    )
    consent_readers = request.keyring.readers(consents)
    referrals = list(visible_referrals(request).filter(case=case).order_by("-created_at"))
    partners = _partner_choices(request)
    return {
        "case": case,
        "consents": [
            {"row": c, "how": r.how, "person": names.get(str(c.person_id), "—")}
            for c, r in zip(consents, consent_readers, strict=True)
        ],
        "referrals": referrals,
        "consent_form": forms.get("consent_form") or ConsentForm(people=people, partners=partners),
        "can_refer": bool(partners),
    }


@require_GET
@require_role(*ROLES)
def case_partners(request: HavenRequest, case_id: UUID) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    return render(request, "partners/case.html", _case_context(request, case))


@require_POST
@require_role(*ROLES)
def consent_new(request: HavenRequest, case_id: UUID) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    form = ConsentForm(
        request.POST, people=_people_choices(request, case), partners=_partner_choices(request)
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.record_consent(
                keyring=request.keyring,
                case=case,
                person=Person.objects.get(pk=data["person"], case=case),
                partner=get_partner_for_user(request, data["partner"]),
                purpose=data["purpose"],
                given_on=data["given_on"],
                how=data["how"],
            )
        except actions.PartnerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("partners-case", case_id=case.id)
    return render(
        request, "partners/case.html", _case_context(request, case, consent_form=form), status=400
    )


@require_POST
@require_role(*ROLES)
def consent_withdraw(request: HavenRequest, consent_id: UUID) -> HttpResponse:
    consent = get_consent_for_user(request, consent_id)
    actions.withdraw_consent(keyring=request.keyring, consent=consent)
    messages.success(request, _("Consent withdrawn."))
    return redirect("partners-case", case_id=consent.case_id)


def _referral_form(request: HavenRequest, case: Any, data: Any = None) -> ReferralForm:
    documents = list(RelocationDocument.objects.filter(case=case))
    readers = request.keyring.readers(documents)
    initial = {}
    if data is None:
        initial = {
            "partner": request.GET.get("partner", ""),
            "purpose": request.GET.get("purpose", Purpose.REFERRAL),
        }
    return ReferralForm(
        data,
        initial=initial,
        partners=_partner_choices(request),
        people=_people_choices(request, case),
        documents=[
            (str(d.id), r.kind or d.get_status_display())
            for d, r in zip(documents, readers, strict=True)
        ],
    )


@require_http_methods(["GET", "POST"])
@require_role(*ROLES)
def referral_new(request: HavenRequest, case_id: UUID) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    if request.method == "GET":
        form = _referral_form(request, case)
        return render(request, "partners/referral_form.html", {"case": case, "form": form})
    form = _referral_form(request, case, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            referral = actions.start_referral(
                keyring=request.keyring,
                case=case,
                partner=get_partner_for_user(request, data["partner"]),
                purpose=data["purpose"],
                people=list(Person.objects.filter(case=case, pk__in=data["people"])),
                fields=data["shared_fields"],
                documents=list(
                    RelocationDocument.objects.filter(case=case, pk__in=data["documents"])
                ),
                message=data["message"],
                override_reason=data["override_reason"],
            )
        except actions.PartnerError as exc:
            form.add_error(None, str(exc))
        else:
            if referral.status == Referral.Status.AWAITING_APPROVAL:
                messages.success(
                    request,
                    _("Recorded. A second coordinator must approve it before it can be sent."),
                )
            else:
                messages.success(request, _("Sent."))
            return redirect("partners-referral", referral_id=referral.id)
    return render(request, "partners/referral_form.html", {"case": case, "form": form}, status=400)


@require_GET
@require_role(*ROLES)
def referral_detail(request: HavenRequest, referral_id: UUID) -> HttpResponse:
    referral = get_referral_for_user(request, referral_id)
    reader = request.keyring.reader(referral)
    envelopes = list(
        Envelope.objects.filter(pk=referral.id) | Envelope.objects.filter(in_reply_to=referral.id)
    )
    envelopes.sort(key=lambda e: e.created_at)
    holds = holds_exchange_keys(request)
    answers = []
    for e in envelopes:
        reason = ""
        if holds and e.direction == Envelope.Direction.IN and e.type == "answer":
            reason = actions.read_answer(keyring=request.keyring, envelope=e)
        answers.append({"envelope": e, "reason": reason, "problem": _delivery_problem(e)})
    return render(
        request,
        "partners/referral.html",
        {
            "referral": referral,
            "message": reader.message,
            "override_reason": reader.override_reason,
            "fields": [FIELD_LABELS[f] for f in referral.fields if f in FIELD_LABELS],
            "envelopes": answers,
            "holds_keys": holds,
            "revoke_form": ReasonForm(),
            "mine": referral.created_by_id == request.user.pk,
        },
    )


@require_POST
@require_role(*ROLES)
def referral_send(request: HavenRequest, referral_id: UUID) -> HttpResponse:
    referral = get_referral_for_user(request, referral_id)
    try:
        actions.send_referral(keyring=request.keyring, referral=referral)
    except actions.PartnerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Sent."))
    return redirect("partners-referral", referral_id=referral.id)


@require_POST
@require_role(*ROLES)
def referral_revoke(request: HavenRequest, referral_id: UUID) -> HttpResponse:
    referral = get_referral_for_user(request, referral_id)
    _with_reason(
        request,
        lambda reason: actions.revoke_referral(
            keyring=request.keyring, referral=referral, reason=reason
        ),
        _("Revoked: the organisation is asked to destroy what it received."),
    )
    return redirect("partners-referral", referral_id=referral.id)


def _with_reason(request: HavenRequest, act: Any, done: str) -> None:
    """Run `act(reason)` with the posted reason; the outcome (the form's or the action's refusal,
    or `done`) goes to the page the caller redirects to."""
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("reason", [])))
        return
    try:
        act(form.cleaned_data["reason"])
    except actions.PartnerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)


@require_GET
@require_role(*ROLES)
def envelope_download(request: HavenRequest, envelope_id: UUID) -> HttpResponse:
    envelope = get_envelope_for_user(request, envelope_id)
    response = HttpResponse(bytes(envelope.data or b""), content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="haven-{envelope.type}-{envelope.id}.json"'
    )
    return response


@require_POST
@require_role(*ROLES)
def envelope_deliver(request: HavenRequest, envelope_id: UUID) -> HttpResponse:
    # A duress session never gets here: it holds no exchange keys, so the envelope is a 404
    # (a delivery is a write outside the database that the pretence could not undo).
    envelope = get_envelope_for_user(request, envelope_id)
    if not envelope.partner.haven_url:
        messages.error(request, _("This organisation takes packages as files only."))
    else:
        envelope = actions.deliver(envelope.id)
        if envelope.delivery_error:
            messages.error(
                request,
                _("Not delivered (%(code)s). Try again later or send the file.")
                % {"code": _delivery_problem(envelope)},
            )
        else:
            messages.success(request, _("Delivered."))
    back = request.POST.get("next", "")
    if back.startswith("/staff/partners/"):
        return redirect(back)
    return redirect("partners-incoming")


# ---- referrals received --------------------------------------------------------------------------


@require_GET
@require_role(*ROLES)
def incoming_list(request: HavenRequest) -> HttpResponse:
    rows = visible_incoming(request).order_by("-received_at")[:200]
    return render(
        request,
        "partners/incoming_list.html",
        {
            "rows": rows,
            "upload_form": PackageUploadForm(),
            "holds_keys": holds_exchange_keys(request),
        },
    )


REFUSALS = {
    "bad_format": gettext_lazy("This is not a Haven partner package."),
    "bad_version": gettext_lazy("This package is from a newer version of Haven."),
    "bad_signature": gettext_lazy(
        "The signature does not hold: the package was changed or is forged."
    ),
    "unknown_sender": gettext_lazy("The sender is not an active organisation in the directory."),
    "wrong_recipient": gettext_lazy("This package is sealed to another organisation's key."),
    "replayed": gettext_lazy("This package has been received before."),
    "bad_time": gettext_lazy("This package is dated in the future."),
    "unknown_referral": gettext_lazy("This package answers a referral that is not known here."),
    "out_of_order": gettext_lazy("This answer does not fit the referral's state."),
    "not_set_up": gettext_lazy("This organisation has no exchange keys yet."),
}


def _delivery_problem(envelope: Envelope) -> str:
    """Why a package did not reach the partner, in words (never the internal code)."""
    code = envelope.delivery_error
    if not code:
        return ""
    if code == "not_https":
        return str(_("their address is not HTTPS"))
    if code == "unreachable":
        return str(_("their Haven did not answer"))
    if code in REFUSALS:
        return str(REFUSALS[code])
    return str(_("their Haven refused it"))


@require_POST
@require_role(*ROLES)
def incoming_upload(request: HavenRequest) -> HttpResponse:
    form = PackageUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["package"]
        if upload.size > settings.HAVEN_PARTNER_INBOX_MAX_BYTES:
            form.add_error("package", _("This file is too large for a package."))
        else:
            try:
                actions.receive_package(upload.read())
            except pkg.PackageError as exc:
                form.add_error("package", str(REFUSALS.get(exc.code, exc.code)))
            else:
                messages.success(request, _("Package received."))
                return redirect("partners-incoming")
    rows = visible_incoming(request).order_by("-received_at")[:200]
    return render(
        request,
        "partners/incoming_list.html",
        {"rows": rows, "upload_form": form, "holds_keys": holds_exchange_keys(request)},
        status=400,
    )


def _shown(value: Any) -> str:
    """A received field as a person reads it: lists joined, anything else as sent."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False)


def _incoming_context(
    request: HavenRequest, incoming: IncomingReferral, **extra: Any
) -> dict[str, Any]:
    content: dict[str, Any] = {}
    error = ""
    if incoming.sealed is not None:
        try:
            content = actions.open_incoming(keyring=request.keyring, incoming=incoming)
        except actions.PartnerError as exc:
            error = str(exc)
    people = []
    for row in content.get("people") or []:
        if isinstance(row, dict) and isinstance(row.get("fields"), dict):
            people.append(
                {
                    "fields": [
                        (FIELD_LABELS.get(k, k), _shown(v))
                        for k, v in row["fields"].items()
                        if k in FIELD_LABELS
                    ],
                    "consented": bool(row.get("consent")),
                    "given_on": (row.get("consent") or {}).get("given_on", ""),
                }
            )
    return {
        "incoming": incoming,
        "content": content,
        "people": people,
        "documents": [d for d in content.get("documents") or [] if isinstance(d, dict)],
        "error": error,
        "reason": request.keyring.reader(incoming).reason if incoming.reason else "",
        "decision_form": extra.get("decision_form") or DecisionForm(),
        "reason_form": ReasonForm(),
    }


@require_GET
@require_role(*ROLES)
def incoming_detail(request: HavenRequest, incoming_id: UUID) -> HttpResponse:
    incoming = get_incoming_for_user(request, incoming_id)
    return render(request, "partners/incoming.html", _incoming_context(request, incoming))


@require_POST
@require_role(*ROLES)
def incoming_decide(request: HavenRequest, incoming_id: UUID) -> HttpResponse:
    incoming = get_incoming_for_user(request, incoming_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        try:
            incoming = actions.decide_incoming(
                keyring=request.keyring,
                incoming=incoming,
                accept=accept,
                reason=form.cleaned_data["reason"],
            )
        except actions.PartnerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Accepted: a new case was opened.")
                if accept
                else _("Rejected; the organisation is told why."),
            )
            if incoming.case_id:
                return redirect("cases-detail", case_id=incoming.case_id)
            return redirect("partners-incoming-detail", incoming_id=incoming.id)
    return render(
        request,
        "partners/incoming.html",
        _incoming_context(request, incoming, decision_form=form),
        status=400,
    )


@require_POST
@require_role(*ROLES)
def incoming_complete(request: HavenRequest, incoming_id: UUID) -> HttpResponse:
    incoming = get_incoming_for_user(request, incoming_id)
    _with_reason(
        request,
        lambda reason: actions.complete_incoming(
            keyring=request.keyring, incoming=incoming, reason=reason
        ),
        _("Completed; the organisation is told."),
    )
    return redirect("partners-incoming-detail", incoming_id=incoming.id)


@require_POST
@require_role(*ROLES)
def incoming_destroy(request: HavenRequest, incoming_id: UUID) -> HttpResponse:
    incoming = get_incoming_for_user(request, incoming_id)
    try:
        actions.destroy_incoming(keyring=request.keyring, incoming=incoming)
    except actions.PartnerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Destroyed; the organisation is told."))
    return redirect("partners-incoming-detail", incoming_id=incoming.id)


def case_partner_referrals(request: HavenRequest, case: Any) -> dict[str, Any] | None:
    """The case page's box: this case's referrals and transfers (coordinators only)."""
    if not request.user.has_role(*ROLES):
        return None
    rows = [
        {
            "link": reverse("partners-referral", kwargs={"referral_id": r.id}),
            "partner": r.partner.name,
            "purpose": r.get_purpose_display(),
            "status": r.get_status_display(),
            "destroyed": r.destroyed_at is not None,
        }
        for r in visible_referrals(request).filter(case=case).order_by("-created_at")[:20]
    ]
    return {"link": reverse("partners-case", kwargs={"case_id": case.id}), "rows": rows}


def incoming_panel(request: HavenRequest) -> Panel | None:
    if not request.user.has_role(*ROLES):
        return None
    pending = visible_incoming(request).filter(status=IncomingReferral.Status.PENDING).count()
    to_destroy = (
        visible_incoming(request)
        .filter(revocation_requested_at__isnull=False, destroyed_at__isnull=True)
        .count()
    )
    if not pending and not to_destroy:
        return None
    return Panel(
        _("Partner organisations"),
        "partners/panel.html",
        {"pending": pending, "to_destroy": to_destroy},
        order=45,
    )


# ---- the inbox a partner's Haven delivers to ---------------------------------------------------


def inbox_budget() -> SharedBudget:
    directory = (
        getattr(settings, "HAVEN_ADMISSION_DIR", "") or Path(settings.DATA_DIR) / "admission"
    )
    return SharedBudget(
        Path(directory),
        "partner-inbox",
        slots=settings.HAVEN_PARTNER_INBOX_CONCURRENCY,
        rate=settings.HAVEN_PARTNER_INBOX_PER_SECOND,
        burst=settings.HAVEN_PARTNER_INBOX_BURST,
    )


STATUS = {
    "bad_format": 400,
    "bad_version": 400,
    "wrong_recipient": 400,
    "bad_time": 400,
    "bad_signature": 403,
    "unknown_sender": 403,
    "replayed": 409,
    "unknown_referral": 409,
    "out_of_order": 409,
    "not_set_up": 503,
}


def _refuse(code: str, status: int) -> JsonResponse:
    # The code only: never the package, its ids or anything it says (invariant 1).
    logger.warning("partner inbox refused a package: %s", code)
    return JsonResponse({"error": code}, status=status)


@csrf_exempt  # no session or cookie: each package is authenticated by its own signature
@login_not_required
@require_POST
def inbox(request: HavenRequest) -> HttpResponse:
    """A partner's Haven delivers a package. Authenticated by the package's signature against
    the directory, not by a session; at most HAVEN_PARTNER_INBOX_MAX_BYTES, checked before the
    body is read; a few at once (admission control), the rest told to come back later."""
    limit = settings.HAVEN_PARTNER_INBOX_MAX_BYTES
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return _refuse("bad_format", 400)
    if length > limit:
        return _refuse("too_large", 413)
    slot = inbox_budget().try_acquire()
    if slot is None:
        response = _refuse("busy", 503)
        response["Retry-After"] = "30"
        return response
    with slot:
        data = request.read(limit + 1)
        if len(data) > limit:
            return _refuse("too_large", 413)
        try:
            actions.receive_package(data)
        except pkg.PackageError as exc:
            return _refuse(exc.code, STATUS.get(exc.code, 400))
    return JsonResponse({"ok": True}, status=202)

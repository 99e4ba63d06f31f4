"""Surviving a surge, the staff pages: claiming a request, the waiting-time rules and the canned
replies coordinators keep (haven/intake/surge.py holds the writes)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts.access import require_role
from haven.accounts.models import Role
from haven.core.http import HavenRequest
from haven.intake import surge
from haven.intake.access import get_canned_reply_for_user, get_request_for_user
from haven.intake.forms import CannedReplyForm, ClaimForm, TriageRulesForm
from haven.intake.models import CannedReply
from haven.intake.views_triage import TRIAGE_ROLES
from haven.vault.models import Vault


@require_POST
@require_role(*TRIAGE_ROLES)
def triage_claim(request: HavenRequest, request_id: UUID) -> HttpResponse:
    help_request = get_request_for_user(request, request_id)
    form = ClaimForm(request.POST)
    take_over = form.is_valid() and bool(form.cleaned_data["take_over"])
    try:
        surge.claim_request(actor=request.user, request=help_request, take_over=take_over)
    except surge.ClaimedByOther as exc:
        messages.warning(request, str(exc))
    else:
        if take_over:
            messages.success(request, _("You took this request over. The take-over is audited."))
        else:
            messages.success(
                request, _("You claimed this request: other operators see that you answer it.")
            )
    return redirect("intake-triage-detail", request_id=help_request.id)


@require_POST
@require_role(*TRIAGE_ROLES)
def triage_release(request: HavenRequest, request_id: UUID) -> HttpResponse:
    help_request = get_request_for_user(request, request_id)
    if surge.release_claim(actor=request.user, request=help_request):
        messages.success(request, _("Claim released."))
    return redirect("intake-triage-detail", request_id=help_request.id)


@require_http_methods(["GET", "POST"])
@require_role(Role.COORDINATOR)
def triage_rules(request: HavenRequest) -> HttpResponse:
    current = surge.rules()
    if request.method == "POST":
        form = TriageRulesForm(request.POST)
        if form.is_valid():
            surge.save_rules(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Waiting times saved."))
            return redirect("intake-triage-rules")
        status = 400
    else:
        form = TriageRulesForm(
            initial={
                "urgent_minutes": current.urgent_minutes,
                "high_minutes": current.high_minutes,
                "normal_minutes": current.normal_minutes,
                "claim_minutes": current.claim_minutes,
            }
        )
        status = 200
    return render(request, "intake/triage_rules.html", {"form": form}, status=status)


def _canned_rows(request: HavenRequest) -> list[dict[str, object]]:
    rows = list(request.keyring.visible(CannedReply.objects.select_related("vault")))
    if not rows:
        return []
    opened = request.keyring.open(rows[0].vault)
    return [
        {
            "canned": c,
            "title": opened.unseal(c, "title"),
            "text_ru": opened.unseal(c, "text_ru"),
            "text_en": opened.unseal(c, "text_en"),
        }
        for c in rows
    ]


@require_http_methods(["GET"])
@require_role(Role.COORDINATOR)
def canned_list(request: HavenRequest) -> HttpResponse:
    return render(
        request,
        "intake/canned_list.html",
        {
            "rows": _canned_rows(request),
            "has_vault": Vault.objects.current(Vault.Kind.INTAKE) is not None,
        },
    )


@require_http_methods(["GET", "POST"])
@require_role(Role.COORDINATOR)
def canned_new(request: HavenRequest) -> HttpResponse:
    vault = Vault.objects.current(Vault.Kind.INTAKE)
    form = CannedReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if vault is None:
            form.is_valid()
            form.add_error(None, _("The intake vault has not been set up yet."))
        elif form.is_valid():
            data = form.cleaned_data
            surge.save_canned_reply(
                actor=request.user,
                vault=vault,
                title=data["title"],
                text_ru=data["text_ru"],
                text_en=data["text_en"],
                position=data["position"] or 0,
            )
            messages.success(request, _("Canned reply saved."))
            return redirect("intake-canned-list")
        status = 400
    else:
        status = 200
    return render(request, "intake/canned_form.html", {"form": form, "canned": None}, status=status)


@require_http_methods(["GET", "POST"])
@require_role(Role.COORDINATOR)
def canned_edit(request: HavenRequest, canned_id: UUID) -> HttpResponse:
    canned = get_canned_reply_for_user(request, canned_id)
    opened = request.keyring.open(canned.vault)
    if request.method == "POST":
        form = CannedReplyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            surge.save_canned_reply(
                actor=request.user,
                vault=canned.vault,
                canned=canned,
                title=data["title"],
                text_ru=data["text_ru"],
                text_en=data["text_en"],
                position=data["position"] or 0,
            )
            messages.success(request, _("Canned reply saved."))
            return redirect("intake-canned-list")
        status = 400
    else:
        form = CannedReplyForm(
            initial={
                "title": opened.unseal(canned, "title"),
                "text_ru": opened.unseal(canned, "text_ru"),
                "text_en": opened.unseal(canned, "text_en"),
                "position": canned.position,
            }
        )
        status = 200
    return render(
        request, "intake/canned_form.html", {"form": form, "canned": canned}, status=status
    )


@require_POST
@require_role(Role.COORDINATOR)
def canned_delete(request: HavenRequest, canned_id: UUID) -> HttpResponse:
    canned = get_canned_reply_for_user(request, canned_id)
    surge.delete_canned_reply(actor=request.user, canned=canned)
    messages.success(request, _("Canned reply deleted."))
    return redirect("intake-canned-list")

"""The emergency wipe in the staff UI: one administrator starts it, another confirms it. Under
duress these views run as for anyone, inside the duress pretence (haven/accounts/duress.py):
the coerced administrator sees a wipe start or happen, and nothing is wiped."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from haven.accounts.access import require_role
from haven.accounts.models import Role
from haven.core.http import HavenRequest
from haven.core.registry import Panel
from haven.ops import wipe
from haven.ops.forms import WipeForm


def _page(request: HavenRequest, form: WipeForm | None = None, status: int = 200) -> HttpResponse:
    pending = wipe.pending_request()
    context = {
        "pending": pending,
        "mine": pending is not None and pending.started_by_id == request.user.pk,
        "form": form or WipeForm(),
        "minutes": wipe.confirm_window().seconds // 60,
    }
    return render(request, "ops/wipe.html", context, status=status)


@require_GET
@require_role(Role.ADMIN)
def wipe_page(request: HavenRequest) -> HttpResponse:
    return _page(request)


@require_POST
@require_role(Role.ADMIN)
def wipe_start(request: HavenRequest) -> HttpResponse:
    form = WipeForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        wipe.start_wipe(actor=request.user)
    except wipe.WipeError as exc:
        messages.error(request, str(exc))
        return redirect("ops-wipe")
    messages.warning(request, _("Emergency wipe started. A second administrator must confirm it."))
    return redirect("ops-wipe")


@require_POST
@require_role(Role.ADMIN)
def wipe_confirm(request: HavenRequest, request_id: int) -> HttpResponse:
    form = WipeForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        wipe.confirm_wipe(actor=request.user, request_id=request_id)
    except wipe.WipeError as exc:
        form.add_error(None, str(exc))
        return _page(request, form, status=409)
    # Every session, this one included, is gone: drop this request's copy too (or the session
    # middleware would try to save a deleted session), and show the sign-in page's wiped state.
    logout(request)
    response = redirect("accounts-login")
    response.delete_cookie(settings.HAVEN_KEY_COOKIE_NAME, samesite="Strict")
    return response


@require_POST
@require_role(Role.ADMIN)
def wipe_cancel(request: HavenRequest, request_id: int) -> HttpResponse:
    try:
        wipe.cancel_wipe(actor=request.user, request_id=request_id)
    except wipe.WipeError as exc:
        messages.error(request, str(exc))
        return redirect("ops-wipe")
    messages.success(request, _("The emergency wipe was cancelled."))
    return redirect("ops-wipe")


def wipe_panel(request: HavenRequest) -> Panel | None:
    """Administrators see a waiting wipe on their dashboard, so the second one finds it."""
    user = request.user
    if not user.is_authenticated or not user.has_role(Role.ADMIN) or request.keyring.duress:
        return None
    pending = wipe.pending_request()
    if pending is None:
        return None
    return Panel(_("Emergency wipe waiting"), "ops/wipe_panel.html", {"pending": pending}, order=1)

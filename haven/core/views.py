"""The staff home page, notifications, and error pages that never show a stack trace."""

from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from haven.core.registry import Panel, dashboard_panel_functions


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    panels: list[Panel] = []
    for function in dashboard_panel_functions():
        panel = function(request)
        if panel is not None:
            panels.append(panel)
    panels.sort(key=lambda p: p.order)
    return render(request, "core/home.html", {"panels": panels})


@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    from haven.alerts.access import notifications_for_user
    from haven.alerts.grouping import group_repeats, notification_key

    rows = notifications_for_user(request)
    groups = group_repeats(rows, notification_key)[:100]
    return render(request, "core/notifications.html", {"notifications": groups})


@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    from haven.alerts.actions import mark_notifications_read

    mark_notifications_read(actor=request.user)
    return redirect("core-notifications")


def _is_staff_page(request: HttpRequest) -> bool:
    return request.path.startswith("/staff/")


def _error(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    # "Back" leads where the person came from: staff stay in the staff area, and a person at risk
    # is never sent to the staff login from a portal page (nor staff to the public portal).
    back = "/staff/" if _is_staff_page(request) else "/"
    return render(
        request,
        "core/error.html",
        {"status": status, "title": title, "text": text, "back": back},
        status=status,
    )


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(
        request,
        403,
        _("The form has expired"),
        _("Please go back, reload the page and send it again. Nothing you typed was saved yet."),
    )


@login_not_required
def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(
        request,
        400,
        _("Something in the request was not right"),
        _("Please go back and try again."),
    )


@login_not_required
def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(request, 403, _("Not allowed"), _("Your role does not allow this page."))


@login_not_required
def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(request, 404, _("Not found"), _("There is nothing here, or you cannot see it."))


@login_not_required
def database_unavailable(request: HttpRequest) -> HttpResponse:
    """The database did not answer: a failover to the standby in progress (docs/operations.md,
    high availability: writes are back within seconds) or a restart. This is the one fault that
    trying again does cure, so the page says so, with Retry-After. Rendered without the request's
    context processors, which would ask the same absent database."""
    if _is_staff_page(request):
        text = _(
            "The database is not answering for a moment: it is switching to its standby or "
            "restarting. Nothing that was confirmed as saved is lost. Try again in a minute; if "
            "this page stays for more than a few minutes, tell your administrator."
        )
    else:
        text = _(
            "Haven is restarting a part of itself. Nothing you had already sent and seen "
            "confirmed is lost. Please try again in a minute."
        )
    back = "/staff/" if _is_staff_page(request) else "/"
    context = {"status": 503, "title": _("Back in a moment"), "text": text, "back": back}
    response = HttpResponse(render_to_string("core/error.html", context), status=503)
    response["Retry-After"] = "30"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return database_unavailable(request)
    # An unhandled error is a fault in Haven and usually repeats: promising that a retry "in a
    # moment" will work would send someone in danger round in circles. Say what is true.
    if _is_staff_page(request):
        text = _(
            "This is a fault in Haven, not something you did, and trying again will most likely "
            "fail the same way. Nothing saved before is lost. Tell your administrator which page "
            "and what time it was, so that it can be fixed."
        )
    else:
        text = _(
            "This is a fault on our side, not something you did. Nothing you had already sent is "
            "lost. If it happens again, this page cannot help you now: reach the hotline another "
            "way you trust."
        )
    return _error(request, 500, _("Something went wrong"), text)

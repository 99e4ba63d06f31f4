"""The watch on the watch, for people and machines: the dashboard panel with the worker's last
sweep, and /staff/healthz for a monitoring system (docs/operations.md)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from haven.accounts.models import Role
from haven.core.http import HavenRequest
from haven.core.registry import Panel
from haven.safety import health
from haven.safety.watchdog import health as watch_health


def worker_panel(request: HavenRequest) -> Panel | None:
    """Coordinators and administrators see how long ago a worker last swept: the dead-man's
    switch is only as good as the worker running it."""
    # Shown to a duress session too: the worker's health identifies no one, and a coordinator's
    # overview without it would tell whoever watches the screen that this session is different.
    user = request.user
    if not user.is_authenticated:
        return None
    if not (user.has_role(Role.COORDINATOR) or user.has_role(Role.ADMIN)):
        return None
    h = watch_health()
    lag = None if h.worker_lag_seconds is None else int(h.worker_lag_seconds)
    context = {
        "lag": lag,
        "down": h.worker_down,
        "workers": h.workers_seen,
        "failing": h.deliveries_failing,
        "failed": h.deliveries_failed_recently,
    }
    return Panel(_("Safety worker"), "safety/worker_panel.html", context, order=2)


def _monitoring_allowed(request: HavenRequest) -> bool:
    """A monitoring system on an allowed network with the bearer token. Each condition on its
    own line; any failure is the same 404 as a page that does not exist."""
    token = settings.HAVEN_HEALTHZ_TOKEN
    if not token:
        return False
    if not getattr(request, "from_monitoring_network", False):
        return False
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@login_not_required
@require_safe
@never_cache
def healthz(request: HavenRequest) -> HttpResponse:
    """Database, replication lag, worker lag and delivery failures, for a monitoring system:
    503 when no worker sweeps or the database does not answer."""
    if not _monitoring_allowed(request):
        raise Http404
    healthy, body = health.report()
    return JsonResponse(body, status=200 if healthy else 503)

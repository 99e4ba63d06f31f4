"""Read-only answers about a case's safety for other pages (the case timeline, missing persons)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from haven.cases.public import Case
from haven.safety.models import SafetyIncident, Watch

if TYPE_CHECKING:
    pass


# A watched person silent this long (no check-in while their watch is down) is reported missing:
# the case page then offers the missing-persons report. Network practice: two days.
NO_NEWS_AFTER = dt.timedelta(hours=48)


def silent_since(case: Case, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the person last gave news (their last check-in, or the watch's start), if their
    watch is down and that was at least NO_NEWS_AFTER ago; otherwise None."""
    watch = Watch.objects.filter(case=case).order_by("-created_at").first()
    if watch is None or watch.state != Watch.State.DOWN:
        return None
    last = watch.last_checkin_at or watch.started_at
    return last if (now or timezone.now()) - last >= NO_NEWS_AFTER else None


def incident_summary(case: Case) -> list[dict[str, Any]]:
    """Incidents of a case with response times, for the case timeline."""
    rows = []
    for i in SafetyIncident.objects.filter(case=case).select_related(
        "acknowledged_by", "resolved_by"
    ):
        rows.append(
            {
                "incident": i,
                "to_ack": (i.acknowledged_at - i.started_at) if i.acknowledged_at else None,
                "to_resolve": (i.resolved_at - i.started_at) if i.resolved_at else None,
            }
        )
    return rows

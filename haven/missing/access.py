"""Loading registry records for the person asking: the same 404 for "does not exist" and "not
yours". Views load reports and match suggestions through these."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from haven.core.http import HavenRequest
from haven.missing import matching
from haven.missing.models import MatchCandidate, MissingPersonReport


def get_report_for_user(request: HavenRequest, report_id: UUID) -> MissingPersonReport:
    """The one access function for reports: "missing" and "not yours" answer alike (404)."""
    found = (
        request.keyring.visible(MissingPersonReport.objects.select_related("vault"))
        .filter(pk=report_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def get_candidate_for_user(request: HavenRequest, candidate_id: UUID) -> MatchCandidate:
    """A match suggestion whose both sides this person can see."""
    found = matching.visible_candidates(request.keyring).filter(pk=candidate_id).first()
    if found is None:
        raise Http404
    return found

"""The one access function of the linkage app."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from haven.core.http import HavenRequest
from haven.linkage.models import LinkageSuggestion


def visible_suggestions(request: HavenRequest) -> object:
    """Suggestions in vaults this person holds (none at all under duress)."""
    return request.keyring.visible(LinkageSuggestion.objects.select_related("vault"))


def get_suggestion_for_user(request: HavenRequest, suggestion_id: UUID) -> LinkageSuggestion:
    """ "Missing" and "not yours" answer alike (404)."""
    found = (
        request.keyring.visible(LinkageSuggestion.objects.select_related("vault"))
        .filter(pk=suggestion_id)
        .first()
    )
    if found is None:
        raise Http404
    return found

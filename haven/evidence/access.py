"""One access function per model. An incident exists for a user only if they hold its vault's
grant; "missing" and "not yours" answer alike (404), and so do its testimonies and files."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from haven.core.http import HavenRequest
from haven.evidence.models import EvidenceAttachment, EvidenceIncident, Testimony


def get_incident_for_user(request: HavenRequest, incident_id: UUID) -> EvidenceIncident:
    found = (
        request.keyring.visible(EvidenceIncident.objects.select_related("vault"))
        .filter(pk=incident_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def get_testimony_for_user(request: HavenRequest, testimony_id: UUID) -> Testimony:
    found = (
        request.keyring.visible(Testimony.objects.select_related("vault", "incident"))
        .filter(pk=testimony_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def get_attachment_for_user(request: HavenRequest, attachment_id: UUID) -> EvidenceAttachment:
    found = (
        request.keyring.visible(EvidenceAttachment.objects.select_related("vault", "incident"))
        .filter(pk=attachment_id)
        .first()
    )
    if found is None:
        raise Http404
    return found

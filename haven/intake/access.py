"""Loading hotline records for the staff member asking: the same 404 for "does not exist" and
"not yours". Triage views load requests and their attachments through these."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from haven.core.http import HavenRequest
from haven.intake.models import CannedReply, HelpRequest, MessageAttachment


def get_request_for_user(request: HavenRequest, request_id: UUID) -> HelpRequest:
    """The one access function for help requests: only holders of the intake vault's grant see
    them; a missing request and a forbidden one answer alike (404)."""
    queryset = request.keyring.visible(
        HelpRequest.objects.select_related("vault", "identity__vault")
    )
    found = queryset.filter(pk=request_id).first()
    if found is None:
        raise Http404
    return found


def get_attachment_for_user(
    request: HavenRequest, help_request: HelpRequest, attachment_id: UUID
) -> MessageAttachment:
    """A file of a request already loaded through :func:`get_request_for_user`."""
    attachment = (
        MessageAttachment.objects.filter(pk=attachment_id, message__request=help_request)
        .select_related("vault")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


def get_canned_reply_for_user(request: HavenRequest, canned_id: UUID) -> CannedReply:
    """A canned reply: only holders of the intake vault's grant see one (a duress session
    holds none, so it sees none and can change none)."""
    found = (
        request.keyring.visible(CannedReply.objects.select_related("vault"))
        .filter(pk=canned_id)
        .first()
    )
    if found is None:
        raise Http404
    return found

"""Loading safety records for the person asking: one function per model, the same 404 for
"does not exist" and "not yours". Views load objects through these and nothing else."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404

from haven.cases.public import Case
from haven.core.http import HavenRequest
from haven.safety.models import Channel, OnCallShift, Placement, SafeHouse, SafetyIncident, Watch


def get_incident_for_user(request: HavenRequest, incident_id: UUID) -> SafetyIncident:
    """An incident is visible to whoever was alerted about it or can open its case. Incidents
    carry no identifying data, so the on-call lawyer can acknowledge without the case grant."""
    incident = (
        SafetyIncident.objects.select_related("case__vault", "house").filter(pk=incident_id).first()
    )
    if incident is None:
        raise Http404
    if request.keyring.duress:
        raise Http404
    alerted = incident.alerted.filter(pk=request.user.pk).exists()
    if not alerted and not (incident.case and request.keyring.can_open(incident.case.vault)):
        raise Http404
    return incident


def open_incidents_for(request: HavenRequest) -> QuerySet[SafetyIncident]:
    """Unresolved incidents this person was alerted about or whose case they can open: one
    query, filtered in the database."""
    return (
        SafetyIncident.objects.filter(resolved_at__isnull=True)
        .filter(
            Q(pk__in=SafetyIncident.objects.filter(alerted__pk=request.user.pk).values("pk"))
            | Q(case__in=request.keyring.visible(Case.objects.all()))
        )
        .select_related("acknowledged_by")
        .order_by("-started_at")
    )


def get_watch_for_user(request: HavenRequest, watch_id: UUID) -> Watch:
    watch = (
        Watch.objects.select_related("case")
        .filter(pk=watch_id, case__in=request.keyring.visible(Case.objects.all()))
        .first()
    )
    if watch is None:
        raise Http404
    return watch


def watch_of_case(case: Case) -> Watch | None:
    """The watch of a case already loaded through `get_case_for_user` (None before one is set)."""
    return Watch.objects.filter(case=case).first()


def watch_for_portal_identity(identity: Any) -> Watch | None:
    """The newest watch of the case a codename identity belongs to (the portal's check-in page:
    the codename session is the person's access; there is no staff keyring)."""
    if not identity.case_id:
        return None
    return Watch.objects.filter(case_id=identity.case_id).order_by("-created_at").first()


def get_house_for_user(request: HavenRequest, house_id: UUID) -> SafeHouse:
    house = (
        request.keyring.visible(SafeHouse.objects.select_related("vault"))
        .filter(pk=house_id)
        .first()
    )
    if house is None:
        raise Http404
    return house


def get_placement_for_user(
    request: HavenRequest, house: SafeHouse, placement_id: UUID
) -> Placement:
    """A placement of a house already loaded through :func:`get_house_for_user`."""
    placement = Placement.objects.filter(pk=placement_id, house=house).first()
    if placement is None:
        raise Http404
    return placement


def get_shift_for_user(request: HavenRequest, shift_id: int) -> OnCallShift:
    """Any shift of the roster: the roster is the coordinators' (the view requires the role)
    and carries no identifying data."""
    shift = OnCallShift.objects.filter(pk=shift_id).first()
    if shift is None:
        raise Http404
    return shift


def get_channel_for_user(request: HavenRequest, channel_id: UUID) -> Channel:
    """A person's own alert channel; everybody else's answer 404, as if they did not exist."""
    channel = Channel.objects.filter(pk=channel_id, user_id=request.user.pk).first()
    if channel is None:
        raise Http404
    return channel


def channels_of(request: HavenRequest) -> Any:
    """The person's own channels. Under duress, none: a channel "added" under duress was undone
    by the pretence, and the person's real channels (where their alarms go) are never listed to
    whoever is watching."""
    if request.keyring.duress:
        return []
    return Channel.objects.filter(user_id=request.user.pk)

"""Loading partner records for the person asking: one function per model, the same 404 for
"does not exist" and "not yours". Outgoing referrals and consents are seen through their case's
vault, incoming referrals and packages through the partners vault; a duress session sees none
of them, nor the directory (the keyring does not filter the directory, so it is checked here)."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from haven.core.http import HavenRequest
from haven.partners.models import (
    Consent,
    Envelope,
    ExchangeKeys,
    IncomingReferral,
    Partner,
    Referral,
)


def visible_partners(request: HavenRequest) -> QuerySet[Partner]:
    if request.keyring.duress:
        return Partner.objects.none()
    return Partner.objects.all()


def get_partner_for_user(request: HavenRequest, partner_id: UUID) -> Partner:
    found = visible_partners(request).filter(pk=partner_id).first()
    if found is None:
        raise Http404
    return found


def holds_exchange_keys(request: HavenRequest) -> bool:
    return request.keyring.visible(ExchangeKeys.objects.filter(retired_at__isnull=True)).exists()


def visible_referrals(request: HavenRequest) -> QuerySet[Referral]:
    return request.keyring.visible(Referral.objects.select_related("partner", "case"))


def get_referral_for_user(request: HavenRequest, referral_id: UUID) -> Referral:
    found = visible_referrals(request).filter(pk=referral_id).first()
    if found is None:
        raise Http404
    return found


def get_consent_for_user(request: HavenRequest, consent_id: UUID) -> Consent:
    found = request.keyring.visible(Consent.objects.select_related("case")).filter(pk=consent_id)
    consent = found.first()
    if consent is None:
        raise Http404
    return consent


def visible_incoming(request: HavenRequest) -> QuerySet[IncomingReferral]:
    return request.keyring.visible(IncomingReferral.objects.select_related("partner"))


def get_incoming_for_user(request: HavenRequest, incoming_id: UUID) -> IncomingReferral:
    found = visible_incoming(request).filter(pk=incoming_id).first()
    if found is None:
        raise Http404
    return found


def get_envelope_for_user(request: HavenRequest, envelope_id: UUID) -> Envelope:
    """A package this organisation sent, for whoever holds the exchange keys (it is ciphertext
    to the partner's key, but who was sent what, and when, is still ours to keep)."""
    if not holds_exchange_keys(request):
        raise Http404
    found = (
        Envelope.objects.select_related("partner")
        .filter(pk=envelope_id, direction=Envelope.Direction.OUT)
        .first()
    )
    if found is None:
        raise Http404
    return found

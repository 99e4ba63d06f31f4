"""The door of the partners app: what another app may use from it (the linkage app links its
suggestions to a partner and offers to start a referral). Keep it a thin module of imports from
models and actions and of URL helpers, never from views."""

from __future__ import annotations

from uuid import UUID

from django.urls import reverse

from haven.partners.actions import PartnerError, missing_consent
from haven.partners.models import Consent, IncomingReferral, Partner, Purpose, Referral


def start_referral_url(case_id: UUID, partner_id: UUID | None = None, purpose: str = "") -> str:
    """The page where a coordinator starts a referral (or, with purpose="transfer", a transfer)
    of this case, with the partner chosen if given."""
    url = reverse("partners-referral-new", kwargs={"case_id": case_id})
    query = []
    if partner_id is not None:
        query.append(f"partner={partner_id}")
    if purpose in Purpose.values:
        query.append(f"purpose={purpose}")
    return url + ("?" + "&".join(query) if query else "")


def case_partners_url(case_id: UUID) -> str:
    """The page listing a case's consents and referrals."""
    return reverse("partners-case", kwargs={"case_id": case_id})


__all__ = [
    "Consent",
    "IncomingReferral",
    "Partner",
    "PartnerError",
    "Purpose",
    "Referral",
    "case_partners_url",
    "missing_consent",
    "start_referral_url",
]

"""Vetting a case and the relocation it leads to (plan and documents)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Role
from haven.audit.log import log_event
from haven.cases.countries import COUNTRIES
from haven.cases.errors import CaseError
from haven.cases.models import (
    Case,
    RelocationDocument,
    Vetting,
)
from haven.vault.keyring import Keyring

if TYPE_CHECKING:
    from haven.accounts.models import User


def update_vetting(
    *,
    keyring: Keyring,
    case: Case,
    identity_corroborated: bool,
    vouched_for: bool,
    interview_done: bool,
    red_flags: str,
) -> Vetting:
    vetting = Vetting.objects.get(case=case)
    vetting.identity_corroborated, vetting.vouched_for, vetting.interview_done = (
        identity_corroborated,
        vouched_for,
        interview_done,
    )
    keyring.open(case.vault).seal(vetting, red_flags=red_flags or None)
    with transaction.atomic():
        vetting.save()
        log_event(
            actor=keyring.user, action="case.vetting", object_type="case", object_id=case.reference
        )
    return vetting


def decide_vetting(*, actor: User, case: Case, decision: str) -> Vetting:
    if not actor.has_role(Role.COORDINATOR):
        raise CaseError(_("Only a coordinator decides on vetting."))
    if decision not in (Vetting.Decision.APPROVED, Vetting.Decision.REJECTED):
        raise CaseError(_("Unknown decision."))
    with transaction.atomic():
        vetting = Vetting.objects.select_for_update().get(case=case)
        vetting.decision, vetting.decided_by, vetting.decided_at = decision, actor, timezone.now()
        vetting.save(update_fields=["decision", "decided_by", "decided_at"])
        log_event(
            actor=actor,
            action="case.vetting_decision",
            object_type="case",
            object_id=case.reference,
            data={"decision": decision},
        )
    return vetting


def set_relocation(
    *,
    actor: User,
    case: Case,
    destination_country: str,
    pathway: str,
    outcome: str,
    outcome_country: str,
) -> None:
    for code in (destination_country, outcome_country):
        if code and code not in COUNTRIES:
            raise CaseError(
                _("“%(value)s” is not a country code we know; choose the country.")
                % {"value": code}
            )
    if pathway and pathway not in Case.Pathway.values:
        raise CaseError(_("Unknown pathway."))
    if outcome and outcome not in Case.Outcome.values:
        raise CaseError(_("Unknown outcome."))
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(
            destination_country=destination_country,
            pathway=pathway,
            outcome=outcome,
            outcome_country=outcome_country,
            updated_at=timezone.now(),
        )
        log_event(
            actor=actor,
            action="case.relocation",
            object_type="case",
            object_id=case.reference,
            data={"country": destination_country, "pathway": pathway, "outcome": outcome},
        )


def add_relocation_document(
    *,
    keyring: Keyring,
    case: Case,
    kind: str,
    status: str,
    deadline: datetime.date | None,
    notes: str = "",
) -> RelocationDocument:
    doc = RelocationDocument(case=case, vault=case.vault, status=status, deadline=deadline)
    keyring.open(case.vault).seal(doc, kind=kind, notes=notes or None)
    with transaction.atomic():
        doc.save()
        log_event(
            actor=keyring.user,
            action="case.document",
            object_type="case",
            object_id=case.reference,
            data={"status": status},
        )
    return doc


def update_relocation_document(
    *,
    keyring: Keyring,
    document: RelocationDocument,
    status: str,
    deadline: datetime.date | None,
    notes: str | None = None,
) -> RelocationDocument:
    """Move a document or application on (submitted, granted, refused...). Notes, if given,
    replace the sealed notes; None keeps them."""
    if status not in RelocationDocument.Status.values:
        raise CaseError(_("Unknown status."))
    document.status, document.deadline, document.updated_at = status, deadline, timezone.now()
    if notes is not None:
        keyring.open(document.vault).seal(document, notes=notes or None)
    with transaction.atomic():
        document.save()
        log_event(
            actor=keyring.user,
            action="case.document",
            object_type="case",
            object_id=document.case.reference,
            data={"status": status},
        )
    return document

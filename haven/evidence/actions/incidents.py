"""Incident writes: the record itself, its parts (places, perpetrators, victims, sources),
testimonies and consent, and who the incident is shared with. Each is atomic and audited (ids,
codes and counts only); sealed values go through the incident's evidence vault."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Role
from haven.audit.log import log_event
from haven.evidence.errors import EvidenceError
from haven.evidence.models import (
    Audience,
    EvidenceIncident,
    Perpetrator,
    Place,
    Source,
    Testimony,
    Victim,
    Violation,
)
from haven.vault.actions import GrantError, create_vault, grant_vault
from haven.vault.keyring import Keyring, VaultLocked
from haven.vault.models import Grant, Vault

if TYPE_CHECKING:
    from haven.accounts.models import User

EVIDENCE_ROLES = (Role.DOCUMENTATION, Role.LAWYER)
# Coordinators may be given an incident so that they can read, and approve, an export against
# consent; they get no evidence pages of their own.
SHARE_ROLES = (Role.DOCUMENTATION, Role.LAWYER, Role.COORDINATOR)


def _actor(keyring: Keyring) -> User:
    actor = keyring.user
    if actor is None or not actor.has_role(*EVIDENCE_ROLES):
        raise EvidenceError(_("Only a documentation officer or a lawyer can do this."))
    return actor


def _touch(incident: EvidenceIncident) -> None:
    EvidenceIncident.objects.filter(pk=incident.pk).update(updated_at=timezone.now())


def _clean_violations(violations: list[str]) -> list[str]:
    unknown = [v for v in violations if v not in Violation.values]
    if unknown:
        raise EvidenceError(_("Unknown violation type."))
    return sorted(set(violations), key=list(Violation.values).index)


def create_incident(
    *,
    keyring: Keyring,
    title: str,
    summary: str = "",
    violations: list[str],
    date_start: datetime.date | None = None,
    date_end: datetime.date | None = None,
    date_precision: str = EvidenceIncident.Precision.DAY,
    region: str = "",
    colleague: User | None = None,
) -> EvidenceIncident:
    """A new incident in a vault of its own, sealed to the creator and, if chosen, one colleague
    (a lawyer or documentation officer). Nobody else, admins included, holds it."""
    actor = _actor(keyring)
    if colleague is not None and not colleague.has_role(*SHARE_ROLES):
        raise EvidenceError(
            _("Share an incident only with a lawyer, documentation officer or coordinator.")
        )
    if date_start and date_end and date_end < date_start:
        raise EvidenceError(_("The end date is before the start date."))
    members = [actor] if colleague is None or colleague.pk == actor.pk else [actor, colleague]
    with transaction.atomic():
        vault = create_vault(
            actor=actor, kind=Vault.Kind.EVIDENCE, members=members, keyring=keyring
        )
        incident = EvidenceIncident(
            vault=vault,
            violations=_clean_violations(violations),
            date_start=date_start,
            date_end=date_end,
            date_precision=date_precision,
            region=region,
            created_by=actor,
        )
        keyring.open(vault).seal(incident, title=title, summary=summary or None)
        incident.save()
        log_event(
            actor=actor,
            action="evidence.incident_create",
            object_type="incident",
            object_id=incident.reference,
            data={"violations": incident.violations, "members": len(members)},
        )
    return incident


def update_incident(
    *,
    keyring: Keyring,
    incident: EvidenceIncident,
    title: str,
    summary: str = "",
    violations: list[str],
    date_start: datetime.date | None = None,
    date_end: datetime.date | None = None,
    date_precision: str = EvidenceIncident.Precision.DAY,
    region: str = "",
) -> EvidenceIncident:
    actor = _actor(keyring)
    if date_start and date_end and date_end < date_start:
        raise EvidenceError(_("The end date is before the start date."))
    opened = keyring.open(incident.vault)
    with transaction.atomic():
        incident.violations = _clean_violations(violations)
        incident.date_start, incident.date_end = date_start, date_end
        incident.date_precision, incident.region = date_precision, region
        incident.updated_at = timezone.now()
        opened.seal(incident, title=title, summary=summary or None)
        incident.save()
        log_event(
            actor=actor,
            action="evidence.incident_update",
            object_type="incident",
            object_id=incident.reference,
            data={"violations": incident.violations},
        )
    return incident


def share_incident(*, keyring: Keyring, incident: EvidenceIncident, user: User) -> None:
    """Seal the incident's vault key to a colleague: a lawyer, a documentation officer, or a
    coordinator (who must hold the incident to approve an export against consent, since they
    must be able to read what they approve). Only someone who holds the incident can share it."""
    actor = _actor(keyring)
    if not user.is_active or not user.has_role(*SHARE_ROLES):
        raise EvidenceError(
            _("Share an incident only with a lawyer, documentation officer or coordinator.")
        )
    if Grant.objects.filter(vault=incident.vault, user=user).exists():
        raise EvidenceError(_("%(user)s can already open this incident.") % {"user": user.username})
    with transaction.atomic():
        try:
            grant_vault(keyring=keyring, vault=incident.vault, user=user, reason="evidence share")
        except GrantError as exc:
            raise EvidenceError(str(exc)) from exc
        except VaultLocked as exc:
            raise EvidenceError(
                _("You cannot open this incident, so you cannot share it.")
            ) from exc
        log_event(
            actor=actor,
            action="evidence.incident_share",
            object_type="incident",
            object_id=incident.reference,
            data={"user": user.pk},
        )


def _add_part(
    *,
    keyring: Keyring,
    incident: EvidenceIncident,
    model: type,
    plain: dict[str, Any],
    sealed: dict,
) -> Any:
    actor = _actor(keyring)
    opened = keyring.open(incident.vault)
    with transaction.atomic():
        row = model(incident=incident, vault=incident.vault, **plain)
        opened.seal(row, **{k: (v or None) for k, v in sealed.items()})
        row.save()
        _touch(incident)
        log_event(
            actor=actor,
            action=f"evidence.{model.__name__.lower()}_add",
            object_type="incident",
            object_id=incident.reference,
            data={"id": str(row.id), **{k: str(v) for k, v in plain.items() if k != "person"}},
        )
    return row


PART_MODELS: dict[str, str] = {
    "place": "Place",
    "perpetrator": "Perpetrator",
    "victim": "Victim",
    "source": "Source",
}


def remove_part(*, keyring: Keyring, incident: EvidenceIncident, kind: str, part_id: Any) -> None:
    """Take a place, perpetrator, victim or source out of an incident (a mistake, a duplicate).
    Audited with its id; the incident's testimonies and files are not touched."""
    from haven.evidence import models as evidence_models

    if kind not in PART_MODELS:
        raise EvidenceError(_("Unknown kind of record."))
    model = getattr(evidence_models, PART_MODELS[kind])
    actor = _actor(keyring)
    with transaction.atomic():
        deleted, _rows = model.objects.filter(incident=incident, pk=part_id).delete()
        if not deleted:
            raise EvidenceError(_("This record is not part of the incident (any more)."))
        _touch(incident)
        log_event(
            actor=actor,
            action=f"evidence.{kind}_remove",
            object_type="incident",
            object_id=incident.reference,
            data={"id": str(part_id)},
        )


def add_place(
    *, keyring: Keyring, incident: EvidenceIncident, kind: str, name: str, description: str = ""
) -> Place:
    if kind not in Place.Kind.values:
        raise EvidenceError(_("Unknown kind of place."))
    return _add_part(
        keyring=keyring,
        incident=incident,
        model=Place,
        plain={"kind": kind},
        sealed={"name": name, "description": description},
    )


def add_perpetrator(
    *,
    keyring: Keyring,
    incident: EvidenceIncident,
    kind: str,
    name: str,
    unit: str = "",
    role: str = "",
    known_how: str = "",
) -> Perpetrator:
    if kind not in Perpetrator.Kind.values:
        raise EvidenceError(_("Unknown kind of perpetrator."))
    return _add_part(
        keyring=keyring,
        incident=incident,
        model=Perpetrator,
        plain={"kind": kind},
        sealed={"name": name, "unit": unit, "role": role, "known_how": known_how},
    )


def add_victim(
    *,
    keyring: Keyring,
    incident: EvidenceIncident,
    description: str,
    case_reference: str = "",
    report_reference: str = "",
) -> Victim:
    """A victim, linked to a case or a missing-persons report the actor can open when its
    reference is given. One the actor cannot open is refused with the same words as one that
    does not exist."""
    plain: dict[str, Any] = {"link": Victim.Link.UNLINKED}
    if case_reference and report_reference:
        raise EvidenceError(_("Link the victim to a case or to a report, not both."))
    if report_reference:
        from haven.missing.public import MissingPersonReport

        report = (
            keyring.visible(MissingPersonReport.objects.all())
            .filter(reference__iexact=report_reference.strip())
            .first()
        )
        if report is None:
            raise EvidenceError(
                _("No missing-persons report with this reference that you can open.")
            )
        plain = {"link": Victim.Link.REGISTRY_REPORT, "registry_report_id": report.id}
    if case_reference:
        from haven.cases.public import Case

        case = (
            keyring.visible(Case.objects.all())
            .filter(reference__iexact=case_reference.strip())
            .first()
        )
        if case is None:
            raise EvidenceError(_("No case with this reference that you can open."))
        plain = {"link": Victim.Link.CASE_PERSON, "case": case}
        person = case.people.order_by("created_at").first()
        if person is not None:
            plain["person"] = person
    return _add_part(
        keyring=keyring,
        incident=incident,
        model=Victim,
        plain=plain,
        sealed={"description": description},
    )


def add_source(
    *, keyring: Keyring, incident: EvidenceIncident, kind: str, reliability: str, description: str
) -> Source:
    if kind not in Source.Kind.values or reliability not in Source.Reliability.values:
        raise EvidenceError(_("Unknown kind of source or reliability grade."))
    return _add_part(
        keyring=keyring,
        incident=incident,
        model=Source,
        plain={"kind": kind, "reliability": reliability},
        sealed={"description": description},
    )


def _clean_consent(consent: list[str]) -> list[str]:
    if any(a not in Audience.values for a in consent):
        raise EvidenceError(_("Unknown audience."))
    return sorted(set(consent), key=list(Audience.values).index)


def add_testimony(
    *,
    keyring: Keyring,
    incident: EvidenceIncident,
    given_by: str,
    given_on: datetime.date,
    language: str,
    text: str,
    consent: list[str],
    may_be_named: bool,
) -> Testimony:
    actor = _actor(keyring)
    if language not in Testimony.Language.values:
        raise EvidenceError(_("Unknown language."))
    if not text.strip():
        raise EvidenceError(_("The testimony is empty."))
    opened = keyring.open(incident.vault)
    with transaction.atomic():
        testimony = Testimony(
            incident=incident,
            vault=incident.vault,
            taken_by=actor,
            given_on=given_on,
            language=language,
            consent=_clean_consent(consent),
            may_be_named=may_be_named,
        )
        opened.seal(testimony, given_by=given_by or None, text=text)
        testimony.save()
        _touch(incident)
        log_event(
            actor=actor,
            action="evidence.testimony_add",
            object_type="incident",
            object_id=incident.reference,
            data={
                "testimony": str(testimony.id),
                "language": language,
                "consent": testimony.consent,
                "named": may_be_named,
            },
        )
    return testimony


def set_consent(
    *, keyring: Keyring, testimony: Testimony, consent: list[str], may_be_named: bool
) -> Testimony:
    actor = _actor(keyring)
    with transaction.atomic():
        testimony.consent = _clean_consent(consent)
        testimony.may_be_named = may_be_named
        testimony.save(update_fields=["consent", "may_be_named"])
        log_event(
            actor=actor,
            action="evidence.consent_set",
            object_type="testimony",
            object_id=testimony.id,
            data={"consent": testimony.consent, "named": may_be_named},
        )
    return testimony

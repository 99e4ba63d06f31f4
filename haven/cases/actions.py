"""Case writes. Each is atomic and audited; sealed values go through the case vault."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Role
from haven.alerts.actions import notify
from haven.audit.log import log_event
from haven.cases import regions
from haven.cases.approvals import (  # noqa: F401 -- re-exported: the two-person rule's API
    approve,
    decide_approval,
    reject,
    request_approval,
    use_export_approval,
)
from haven.cases.countries import COUNTRIES
from haven.cases.errors import CaseError
from haven.cases.models import (
    NEEDS_VETTING,
    TRANSITIONS,
    Case,
    CaseAssignment,
    CaseNote,
    CaseTransition,
    NameIndexEntry,
    Person,
    RelocationDocument,
    State,
    Task,
    Vetting,
    new_reference,
)
from haven.lib.names.keys import name_keys
from haven.vault.actions import GrantError, create_vault, create_vaults, grant_vault, revoke_grant
from haven.vault.keyring import Keyring, VaultLocked
from haven.vault.models import Grant, Vault

if TYPE_CHECKING:
    from haven.accounts.models import User

INDEX_BITS = 20
PERSON_FIELDS = (
    "given_name",
    "family_name",
    "patronymic",
    "aliases",
    "notes",
    "gender",
    "birth",
    "languages",
    "contacts",
    "documents",
    "health_safety",
    "family_risk",
    "trusted_contacts",
)


def index_vault() -> Vault | None:
    return Vault.objects.current(Vault.Kind.INDEX)


def set_up_index_vault(*, actor: User, keyring: Keyring, members: list[User]) -> Vault:
    existing = index_vault()
    if existing is not None:
        return existing
    return create_vault(
        actor=actor,
        kind=Vault.Kind.INDEX,
        members=list({m.pk: m for m in [actor, *members]}.values()),
        keyring=keyring,
    )


def _index_values(keyring: Keyring, text: str) -> set[str]:
    vault = index_vault()
    if vault is None or not keyring.can_open(vault):
        return set()
    opened = keyring.open(vault)
    return {opened.blind_index(k, bits=INDEX_BITS) for k in name_keys(text)}


def person_search_text(values: dict[str, Any]) -> str:
    parts = [
        values.get("given_name") or "",
        values.get("family_name") or "",
        values.get("patronymic") or "",
    ]
    parts += [str(a) for a in (values.get("aliases") or [])]
    return " ".join(p for p in parts if p)


def _reindex(keyring: Keyring, person: Person, values: dict[str, Any]) -> None:
    """Replace the person's blind-index entries. Without the index key (no grant yet) the
    person is flagged, so that someone holding both keys can index them later
    (`index_pending_people`) instead of their never being found."""
    vault = index_vault()
    NameIndexEntry.objects.filter(person=person).delete()
    if vault is None or not keyring.can_open(vault):
        Person.objects.filter(pk=person.pk).update(name_indexed=False)
        person.name_indexed = False
        return
    entries = [
        NameIndexEntry(person=person, case_id=person.case_id, value=v)
        for v in _index_values(keyring, person_search_text(values))
    ]
    NameIndexEntry.objects.bulk_create(entries)
    if not person.name_indexed:
        Person.objects.filter(pk=person.pk).update(name_indexed=True)
        person.name_indexed = True


def grant_search_index(*, keyring: Keyring, user: User) -> None:
    """Give a staff member the search-index key, so they can search by name and their saves are
    indexed. Sealed with the caller's keyring: only someone who holds the index can give it."""
    vault = index_vault()
    if vault is None:
        raise CaseError(_("There is no search index yet."))
    try:
        grant_vault(keyring=keyring, vault=vault, user=user, reason="search index")
    except VaultLocked as exc:
        raise CaseError(_("You do not hold the search index, so you cannot give it.")) from exc
    except GrantError as exc:
        raise CaseError(str(exc)) from exc


NAME_FIELDS = ("given_name", "family_name", "patronymic", "aliases")


def index_pending_people(*, keyring: Keyring) -> int:
    """Index the people saved without the index key, in the cases this keyring opens. Returns how
    many were indexed; people in cases the caller cannot open stay pending for someone else."""
    vault = index_vault()
    if vault is None or not keyring.can_open(vault):
        raise CaseError(_("You do not hold the search index."))
    pending = keyring.visible(
        Person.objects.filter(name_indexed=False).select_related("vault")
    ).order_by("pk")
    done = 0
    with transaction.atomic():
        for reader in keyring.readers(pending):
            values = {f: getattr(reader, f) for f in NAME_FIELDS}
            _reindex(keyring, reader.record, values)  # type: ignore[arg-type]
            done += 1
        if done:
            log_event(
                actor=keyring.user,
                action="case.index_pending",
                object_type="index",
                object_id=str(vault.id),
                data={"people": done},
            )
    return done


def create_case(
    *,
    keyring: Keyring,
    risk: str,
    risk_reason: str = "",
    region_of_origin: str = "",
    region_detail: str = "",
    caseworker: User | None = None,
) -> Case:
    """Open a case: its own vault (granted to the actor and the chosen caseworker), the pending
    vetting checklist and the assignments. The one way a case comes into being: the staff form
    and the hotline's "open case" (`intake.actions.open_case`) both call it, so a case from a
    request can be vetted like any other."""
    actor = keyring.user
    assert actor is not None
    if risk not in Case.Risk.values:
        raise CaseError(_("Unknown risk level."))
    if caseworker is not None and caseworker.pk != actor.pk:
        if not caseworker.has_role(Role.CASEWORKER, Role.COORDINATOR):
            raise CaseError(_("Choose a caseworker."))
        if not caseworker.has_key_pair:
            raise CaseError(
                _(
                    "This account has no key pair yet; it must sign in once before it can be "
                    "given access."
                )
            )
    if region_of_origin and region_of_origin not in regions.CODES:
        # The column is plaintext: only a code of the closed list may reach it.
        raise ValueError("region_of_origin must be a code of haven.cases.regions")
    members = [actor] if caseworker is None or caseworker.pk == actor.pk else [actor, caseworker]
    with transaction.atomic():
        vault = create_vault(actor=actor, kind=Vault.Kind.CASE, members=members, keyring=keyring)
        case = Case(vault=vault, risk=risk, region_of_origin=region_of_origin, created_by=actor)
        keyring.open(vault).seal(
            case, risk_reason=risk_reason or None, region_detail=region_detail or None
        )
        case.save()
        Vetting.objects.create(case=case, vault=vault)
        # The chosen caseworker works the case whatever their role; the actor only if they are
        # a caseworker (an operator or coordinator opening it hands it on).
        assigned = [m for m in members if m.has_role(Role.CASEWORKER)]
        if caseworker is not None and caseworker not in assigned:
            assigned.append(caseworker)
        for member in assigned:
            CaseAssignment.objects.create(case=case, user=member)
        log_event(
            actor=actor,
            action="case.create",
            object_type="case",
            object_id=case.reference,
            data={"risk": risk},
        )
    return case


def seal_unsealed_regions(*, keyring: Keyring) -> tuple[int, int]:
    """Seal the free-text regions left in plaintext by the move to the closed list into each
    case's sealed `region_detail`, for every case whose vault this keyring opens. Returns
    (sealed, left): the cases left are in vaults this person holds no grant to."""
    pending = Case.objects.exclude(region_unsealed="").select_related("vault")
    sealed = left = 0
    for case in pending.iterator(chunk_size=200):
        if not keyring.can_open(case.vault):
            left += 1
            continue
        opened = keyring.open(case.vault)
        with transaction.atomic():
            before = opened.unseal(case, "region_detail")
            text = case.region_unsealed if not before else f"{before}\n{case.region_unsealed}"
            opened.seal(case, region_detail=text)
            case.region_unsealed = ""
            case.save(update_fields=["region_detail", "region_unsealed"])
            log_event(
                actor=keyring.user,
                action="case.region_sealed",
                object_type="case",
                object_id=case.reference,
            )
        sealed += 1
    return sealed, left


@dataclass
class PastCase:
    """A case that happened before Haven held it: its plain columns and its path through the
    pipeline, each step with the time it was taken."""

    risk: str
    region_of_origin: str
    created_at: datetime.datetime
    steps: list[tuple[str, datetime.datetime]]
    outcome: str = ""  # only for a case that has departed
    outcome_country: str = ""
    destination_country: str = ""
    pathway: str = ""
    vetting: str = Vetting.Decision.PENDING


@transaction.atomic
def record_past_cases(*, keyring: Keyring, cases: list[PastCase], reason: str) -> list[Case]:
    """Many past cases at once (an import of earlier records, the demo's two years of
    history): each gets its own vault, its vetting and its transitions with their real dates,
    written in bulk with one audit event. Every path is checked against TRANSITIONS, so no
    history can hold a move the pipeline forbids. Nobody in them is named."""
    actor = keyring.user
    assert actor is not None
    vaults = create_vaults(keyring=keyring, kind=Vault.Kind.CASE, count=len(cases))
    taken = set(Case.objects.values_list("reference", flat=True))
    rows, vettings, transitions = [], [], []
    for past, vault in zip(cases, vaults, strict=True):
        reference = new_reference()
        while reference in taken:
            reference = new_reference()
        taken.add(reference)
        last = past.steps[-1][1] if past.steps else past.created_at
        state = past.steps[-1][0] if past.steps else State.INTAKE
        case = Case(
            vault=vault,
            reference=reference,
            state=state,
            risk=past.risk,
            region_of_origin=past.region_of_origin,
            destination_country=past.destination_country or past.outcome_country,
            pathway=past.pathway,
            outcome=past.outcome,
            outcome_country=past.outcome_country,
            created_at=past.created_at,
            updated_at=last,
            state_changed_at=last,
            created_by=actor,
        )
        opened = keyring.open(vault)
        opened.seal(case, risk_reason=None)
        rows.append(case)
        decided = past.vetting != Vetting.Decision.PENDING
        vettings.append(
            Vetting(
                case=case,
                vault=vault,
                identity_corroborated=decided,
                vouched_for=decided,
                interview_done=decided,
                decision=past.vetting,
                decided_by=actor if decided else None,
                decided_at=past.steps[0][1] if decided and past.steps else None,
            )
        )
        previous: str = State.INTAKE
        for to_state, at in past.steps:
            if to_state not in TRANSITIONS[previous]:
                raise CaseError(
                    _("A case cannot go from “%(from)s” to “%(to)s”.")
                    % {"from": State(previous).label, "to": State(to_state).label}
                )
            if to_state in NEEDS_VETTING and past.vetting != Vetting.Decision.APPROVED:
                raise CaseError(
                    _("Vetting must be approved by a coordinator before any placement or travel.")
                )
            if to_state == State.DEPARTED and not past.outcome:
                raise CaseError(_("Record the outcome first."))
            row = CaseTransition(
                case=case, vault=vault, from_state=previous, to_state=to_state, actor=actor, at=at
            )
            opened.seal(row, reason=reason)
            transitions.append(row)
            previous = to_state
    Case.objects.bulk_create(rows)
    Vetting.objects.bulk_create(vettings)
    CaseTransition.objects.bulk_create(transitions)
    log_event(
        actor=actor,
        action="case.past_cases_recorded",
        object_type="case",
        object_id="",
        data={"cases": len(rows), "transitions": len(transitions)},
    )
    return rows


def _registry_suggestions(keyring: Keyring, person: Person, values: dict[str, Any]) -> None:
    """Every new or edited person is matched against the missing-persons registry (through the
    blind index; suggestions only, a person decides)."""
    from django.apps import apps

    if apps.is_installed("haven.missing"):
        from haven.missing.matching import suggest_for_person

        suggest_for_person(keyring, person, values)


def save_person(
    *, keyring: Keyring, case: Case, values: dict[str, Any], person: Person | None = None
) -> Person:
    opened = keyring.open(case.vault)
    with transaction.atomic():
        person = person or Person(case=case, vault=case.vault)
        opened.seal(person, **{k: values.get(k) or None for k in PERSON_FIELDS})
        person.save()
        _reindex(keyring, person, values)
        _registry_suggestions(keyring, person, values)
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
        log_event(
            actor=keyring.user,
            action="case.person_saved",
            object_type="case",
            object_id=case.reference,
            data={"person": str(person.id)},
        )
    return person


def transition(*, keyring: Keyring, case: Case, to_state: str, reason: str) -> CaseTransition:
    if to_state not in State.values:
        raise CaseError(_("Unknown state."))
    if to_state not in TRANSITIONS[case.state]:
        raise CaseError(
            _("A case cannot go from “%(from)s” to “%(to)s”.")
            % {"from": State(case.state).label, "to": State(to_state).label}
        )
    # Checked on every entry into a placement state, whatever the state left: otherwise a
    # detour through a side state (intake → missing → planning) would skip vetting.
    if to_state in NEEDS_VETTING and (refusal := case.placement_refusal()):
        raise CaseError(refusal)
    if to_state == State.DEPARTED:
        case.refresh_from_db(fields=["outcome", "outcome_country"])
        if not case.outcome or (case.outcome == Case.Outcome.ABROAD and not case.outcome_country):
            raise CaseError(
                _(
                    "Record the outcome first (relocated within the country, or abroad and to "
                    "which country): the statistics count departures by it."
                )
            )
    if not reason.strip():
        raise CaseError(_("Give a reason for the change."))
    opened = keyring.open(case.vault)
    with transaction.atomic():
        row = CaseTransition(
            case=case,
            vault=case.vault,
            from_state=case.state,
            to_state=to_state,
            actor=keyring.user,
        )
        opened.seal(row, reason=reason)
        row.save()
        now = timezone.now()
        Case.objects.filter(pk=case.pk).update(state=to_state, state_changed_at=now, updated_at=now)
        log_event(
            actor=keyring.user,
            action="case.transition",
            object_type="case",
            object_id=case.reference,
            data={"from": case.state, "to": to_state},
        )
        case.state = to_state
    return row


def add_note(*, keyring: Keyring, case: Case, text: str) -> CaseNote:
    note = CaseNote(case=case, vault=case.vault, author=keyring.user)
    keyring.open(case.vault).seal(note, text=text)
    with transaction.atomic():
        note.save()
        log_event(
            actor=keyring.user, action="case.note", object_type="case", object_id=case.reference
        )
    return note


def add_task(
    *, keyring: Keyring, case: Case, kind: str, title: str, due_date: datetime.date
) -> Task:
    task = Task(case=case, vault=case.vault, kind=kind, due_date=due_date, created_by=keyring.user)
    keyring.open(case.vault).seal(task, title=title)
    with transaction.atomic():
        task.save()
        log_event(
            actor=keyring.user,
            action="case.task",
            object_type="case",
            object_id=case.reference,
            data={"kind": kind, "due": due_date.isoformat()},
        )
    return task


def complete_task(*, actor: User, task: Task) -> None:
    with transaction.atomic():
        Task.objects.filter(pk=task.pk, done_at__isnull=True).update(done_at=timezone.now())
        log_event(
            actor=actor, action="case.task_done", object_type="case", object_id=task.case.reference
        )


def assign(*, keyring: Keyring, case: Case, user: User) -> CaseAssignment:
    """Seal the case vault's key to `user` and record the assignment."""
    if not user.has_role(Role.CASEWORKER, Role.COORDINATOR, Role.LAWYER, Role.DOCUMENTATION):
        raise CaseError(
            _("Only caseworkers, coordinators, lawyers and documentation officers can be assigned.")
        )
    if CaseAssignment.objects.filter(case=case, user=user).exists():
        raise CaseError(_("%(user)s is already assigned to this case.") % {"user": user.username})
    with transaction.atomic():
        if not Grant.objects.filter(vault=case.vault, user=user).exists():
            try:
                grant_vault(keyring=keyring, vault=case.vault, user=user)
            except GrantError as exc:
                raise CaseError(str(exc)) from exc
            except VaultLocked as exc:
                raise CaseError(
                    _("You cannot open this case, so you cannot give access to it.")
                ) from exc
        row = CaseAssignment.objects.create(case=case, user=user)
        log_event(
            actor=keyring.user,
            action="case.assign",
            object_type="case",
            object_id=case.reference,
            data={"user": user.pk},
        )
    notify(
        recipients=[user],
        kind="case_assigned",
        reference=case.reference,
        link=f"/staff/cases/{case.id}/",
    )
    return row


def unassign(*, actor: User, case: Case, user: User) -> None:
    """Remove the assignment and the grant. Refused if nobody else could open the case after:
    a vault nobody holds is lost for good (that is what shredding is for, deliberately)."""
    with transaction.atomic():
        if not CaseAssignment.objects.filter(case=case, user=user).exists():
            raise CaseError(_("%(user)s is not assigned to this case.") % {"user": user.username})
        if not Grant.objects.filter(vault=case.vault).exclude(user=user).exists():
            raise CaseError(
                _("%(user)s is the only person who can open this case; assign someone else first.")
                % {"user": user.username}
            )
        CaseAssignment.objects.filter(case=case, user=user).delete()
        revoke_grant(actor=actor, vault=case.vault, user=user)
        log_event(
            actor=actor,
            action="case.unassign",
            object_type="case",
            object_id=case.reference,
            data={"user": user.pk},
        )


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

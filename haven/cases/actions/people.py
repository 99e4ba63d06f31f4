"""Writes about the people in a case: saving a person (sealed fields and the blind name
index) and the search-index grants and catch-up that the index needs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.log import log_event
from haven.cases.errors import CaseError
from haven.cases.models import (
    Case,
    NameIndexEntry,
    Person,
)
from haven.core.registry import call_hooks
from haven.vault.actions import GrantError, grant_vault
from haven.vault.blind_index import (
    index_values,
    index_vault,
    person_search_text,
    set_up_index_vault,
)
from haven.vault.keyring import Keyring, VaultLocked

if TYPE_CHECKING:
    from haven.accounts.models import User


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
        for v in index_values(keyring, person_search_text(values))
    ]
    NameIndexEntry.objects.bulk_create(entries)
    if not person.name_indexed:
        Person.objects.filter(pk=person.pk).update(name_indexed=True)
        person.name_indexed = True


def set_up_search_index(*, keyring: Keyring) -> bool:
    """Create the search-index key on an installation that has none (the first coordinator, once),
    granted to the caller alone; they give it to the others on the same page. False if it
    already existed (two coordinators pressing at once make one index: `index_vault` takes the
    oldest)."""
    if keyring.user is None:
        raise CaseError(_("Sign in first."))
    if index_vault() is not None:
        return False
    set_up_index_vault(actor=keyring.user, keyring=keyring, members=[])
    return True


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
            _reindex(keyring, reader.record, values)
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


def save_person(
    *, keyring: Keyring, case: Case, values: dict[str, Any], person: Person | None = None
) -> Person:
    opened = keyring.open(case.vault)
    with transaction.atomic():
        person = person or Person(case=case, vault=case.vault)
        opened.seal(person, **{k: values.get(k) or None for k in PERSON_FIELDS})
        person.save()
        _reindex(keyring, person, values)
        # The registry (if installed) checks the person against the missing-persons reports in
        # this transaction; cases does not know who listens.
        call_hooks("person_saved", keyring, person, values)
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
        log_event(
            actor=keyring.user,
            action="case.person_saved",
            object_type="case",
            object_id=case.reference,
            data={"person": str(person.id)},
        )
    return person

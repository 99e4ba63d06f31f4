"""The search index over encrypted names: one index vault, HMACs of coarse name keys.

Names are sealed, so they cannot be searched. Instead each name is reduced to coarse keys
(:func:`haven.lib.names.keys.name_keys`), and each key is HMACed under the index vault's key and
truncated to :data:`INDEX_BITS` bits, so that one value matches several rows on purpose: the index
alone never says who is who, and candidates are decrypted and confirmed in a keyring.

The index vault is shared by every app that stores names (the people in cases, the reports of
the missing-persons registry), which is why it lives here and not in one of them. This module
imports no domain app: each app keeps its own index-entry table and decides what to index.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from haven.lib.names.keys import name_keys
from haven.vault.actions import create_vault
from haven.vault.keyring import Keyring, OpenVault
from haven.vault.models import Vault

if TYPE_CHECKING:
    from haven.accounts.models import User

# 20 bits: about a million distinct values, so a stolen index table plus a guessed name still
# points at several rows once the registry and the cases hold tens of thousands of names.
INDEX_BITS = 20


def index_vault() -> Vault | None:
    """The live index vault (the oldest, if a restore ever left two), or None before set-up."""
    return Vault.objects.current(Vault.Kind.INDEX)


def set_up_index_vault(*, actor: User, keyring: Keyring, members: list[User]) -> Vault:
    """Create the index vault once (granted to the actor and `members`); later calls return it."""
    existing = index_vault()
    if existing is not None:
        return existing
    return create_vault(
        actor=actor,
        kind=Vault.Kind.INDEX,
        members=list({m.pk: m for m in [actor, *members]}.values()),
        keyring=keyring,
    )


def open_index(keyring: Keyring) -> OpenVault | None:
    """The index vault opened in this keyring, or None without it (not set up, or no grant)."""
    vault = index_vault()
    if vault is None or not keyring.can_open(vault):
        return None
    return keyring.open(vault)


def hash_keys(opened: OpenVault, keys: Iterable[str]) -> set[str]:
    """Index values of already-computed name keys (for callers that add keys of their own)."""
    return {opened.blind_index(k, bits=INDEX_BITS) for k in keys}


def index_values(keyring: Keyring, text: str) -> set[str]:
    """Index values of every name in `text`; empty without the index key."""
    opened = open_index(keyring)
    if opened is None:
        return set()
    return hash_keys(opened, name_keys(text))


def person_search_text(values: dict[str, Any]) -> str:
    """The indexed text of a person's names: given, family and patronymic names and aliases."""
    parts = [
        values.get("given_name") or "",
        values.get("family_name") or "",
        values.get("patronymic") or "",
    ]
    parts += [str(a) for a in (values.get("aliases") or [])]
    return " ".join(p for p in parts if p)

"""Writes on vaults and grants. Each is atomic and audited in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.log import log_event
from haven.lib.errors import ActionError
from haven.vault import crypto, objects
from haven.vault.keyring import Keyring, OpenVault, VaultLocked
from haven.vault.models import Grant, UserKey, Vault

if TYPE_CHECKING:
    from haven.accounts.models import User


class GrantError(ActionError):
    """A grant that cannot be made; the message is shown to staff."""


def _seal_key_to(vault_id: object, data_key: bytes, user: User) -> bytes:
    key = UserKey.objects.filter(user=user).first()
    if key is None:
        raise GrantError(
            _(
                "This account has no key pair yet; it must sign in once before it can be given access."
            )
        )
    return crypto.seal_to(bytes(key.public_key), data_key, f"grant|{vault_id}|{user.pk}".encode())


def create_vault(
    *, actor: User | None, kind: str, members: Iterable[User], keyring: Keyring | None = None
) -> Vault:
    """A new vault with a fresh data key, granted to `members` (sealing needs only their public
    keys). If `keyring` is given, the new vault is kept open in it for the rest of the request."""
    members = list(members)
    with transaction.atomic():
        data_key = crypto.random_key()
        pair = crypto.KeyPair.generate()
        vault = Vault(kind=kind, public_key=pair.public)
        vault.sealed_private_key = crypto.aead_encrypt(
            data_key, pair.private, f"vault-sk|{vault.id}".encode()
        )
        vault.save()
        for member in members:
            Grant.objects.create(
                vault=vault,
                user=member,
                sealed_key=_seal_key_to(vault.id, data_key, member),
                granted_by=actor,
            )
        log_event(
            actor=actor,
            action="vault.create",
            object_type="vault",
            object_id=str(vault.id),
            data={"kind": kind, "members": [m.pk for m in members]},
        )
    if (
        keyring is not None
        and keyring.user is not None
        and any(m.pk == keyring.user.pk for m in members)
    ):
        keyring.adopt(OpenVault(vault, data_key))
    return vault


def create_vaults(*, keyring: Keyring, kind: str, count: int) -> list[Vault]:
    """`count` new vaults held by the keyring's user alone, written in bulk with one audit
    event, and kept open in the keyring (for loading many records at once, such as the demo's
    case history; one vault per record all the same, so each stays its own compartment)."""
    actor = keyring.user
    assert actor is not None
    key = UserKey.objects.get(user=actor)
    vaults, grants = [], []
    with transaction.atomic():
        for _n in range(count):
            data_key = crypto.random_key()
            pair = crypto.KeyPair.generate()
            vault = Vault(kind=kind, public_key=pair.public)
            vault.sealed_private_key = crypto.aead_encrypt(
                data_key, pair.private, f"vault-sk|{vault.id}".encode()
            )
            sealed = crypto.seal_to(
                bytes(key.public_key), data_key, f"grant|{vault.id}|{actor.pk}".encode()
            )
            grants.append(Grant(vault=vault, user=actor, sealed_key=sealed, granted_by=actor))
            vaults.append((vault, data_key))
        Vault.objects.bulk_create([v for v, _k in vaults])
        Grant.objects.bulk_create(grants)
        log_event(
            actor=actor,
            action="vault.create_many",
            object_type="vault",
            object_id="",
            data={"kind": kind, "count": count, "members": [actor.pk]},
        )
    for vault, data_key in vaults:
        keyring.adopt(OpenVault(vault, data_key))
    return [v for v, _k in vaults]


def grant_vault(*, keyring: Keyring, vault: Vault, user: User, reason: str = "") -> Grant:
    """Seal `vault`'s key to `user`. Only someone who can open the vault can grant it."""
    opened = keyring.open(vault)  # raises VaultLocked
    if vault.is_shredded:
        raise VaultLocked(str(vault.id))
    with transaction.atomic():
        if Grant.objects.filter(vault=vault, user=user).exists():
            raise GrantError(_("This person already has access."))
        key = UserKey.objects.filter(user=user).first()
        if key is None:
            raise GrantError(
                _(
                    "This account has no key pair yet; it must sign in once before it can be given access."
                )
            )
        grant = Grant.objects.create(
            vault=vault,
            user=user,
            sealed_key=opened.seal_key_to(bytes(key.public_key), user_id=user.pk),
            granted_by=keyring.user,
        )
        log_event(
            actor=keyring.user,
            action="grant.create",
            object_type="vault",
            object_id=str(vault.id),
            data={"user": user.pk, "reason_given": bool(reason)},
        )
    return grant


def revoke_grant(*, actor: User | None, vault: Vault, user: User) -> bool:
    """Delete `user`'s grant. If they may have kept the key, rotate it too (documented)."""
    with transaction.atomic():
        deleted, _rows = Grant.objects.filter(vault=vault, user=user).delete()
        if deleted:
            log_event(
                actor=actor,
                action="grant.revoke",
                object_type="vault",
                object_id=str(vault.id),
                data={"user": user.pk},
            )
    return bool(deleted)


def shred_vault(*, actor: User | None, vault: Vault, reason: str) -> None:
    """Crypto-shredding: drop every copy of the data key. The rows stay, as unreadable bytes.
    The cost is the number of grants, not the number of rows."""
    with transaction.atomic():
        grants, _rows = Grant.objects.filter(vault=vault).delete()
        Vault.objects.filter(pk=vault.pk).update(
            sealed_private_key=None, shredded_at=timezone.now()
        )
        vault.refresh_from_db()
        # The keys are gone, so the vault's files in object storage are already unreadable;
        # delete them too (every version), once the shredding has committed.
        objects.delete_after_commit(objects.names_in_vaults([vault.pk]))
        log_event(
            actor=actor,
            action="vault.shred",
            object_type="vault",
            object_id=str(vault.id),
            data={"grants_destroyed": grants, "reason": reason[:64]},
        )

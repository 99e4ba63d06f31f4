"""The per-request keyring: a staff member's private key and the vault keys it opens.

A keyring lives for one request (or one management command) and is then dropped. Each vault it
opens is audited once (`vault.open`, one row per request and vault), written when the keyring is
flushed at the end of the request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, MutableMapping
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import models, transaction

from haven.vault import crypto
from haven.vault.fields import SealedField
from haven.vault.models import Grant, Vault

if TYPE_CHECKING:
    from haven.accounts.models import User


class VaultLocked(Exception):
    """The keyring holds no grant for this vault (or the vault was shredded)."""


def _aad(obj: models.Model, field: SealedField) -> bytes:
    return f"{obj._meta.db_table}|{field.column}|{obj.pk}".encode()


def _encode(field: SealedField, value: Any) -> bytes:
    if field.sealed_kind == "text":
        if not isinstance(value, str):
            raise TypeError(f"{field.name} takes text")
        return value.encode("utf-8")
    if field.sealed_kind == "json":
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if not isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(f"{field.name} takes bytes")
    return bytes(value)


def _decode(field: SealedField, raw: bytes) -> Any:
    if field.sealed_kind == "text":
        return raw.decode("utf-8")
    if field.sealed_kind == "json":
        return json.loads(raw)
    return raw


def _field(obj: models.Model, name: str) -> SealedField:
    field = obj._meta.get_field(name)
    if not isinstance(field, SealedField):
        raise TypeError(f"{type(obj).__name__}.{name} is not a sealed field")
    return field


def vault_id_of(obj: models.Model) -> Any:
    """The vault a row's sealed fields live in: its `vault` foreign key."""
    return obj.vault_id  # type: ignore[attr-defined]


def vault_of(obj: models.Model) -> Vault:
    """The row's vault itself (every model with sealed fields has the `vault` foreign key)."""
    return obj.vault  # type: ignore[attr-defined]


def seal_box(obj: models.Model, **values: Any) -> None:
    """Seal values to the row's vault public key. Needs no grant: the portal and the worker
    write this way, and cannot read back what they wrote."""
    vault = vault_of(obj)
    for name, value in values.items():
        field = _field(obj, name)
        if not field.sealed_box:
            raise TypeError(f"{name} is not a public-key sealed field")
        blob = (
            None
            if value is None
            else crypto.seal_to(bytes(vault.public_key), _encode(field, value), _aad(obj, field))
        )
        setattr(obj, name, blob)


class OpenVault:
    """A vault whose data key this request holds. Hands out plaintext, never the key."""

    def __init__(self, vault: Vault | Any, data_key: bytes) -> None:
        # A list page opens vaults by id alone; the Vault row is fetched only if needed
        # (public-key sealing, the vault's private key).
        self._vault = vault if isinstance(vault, Vault) else None
        self._vault_id = vault.id if isinstance(vault, Vault) else vault
        self._key = data_key
        self._private: bytes | None = None
        self._index_key: bytes | None = None

    @property
    def id(self) -> Any:
        return self._vault_id

    @property
    def vault(self) -> Vault:
        if self._vault is None:
            self._vault = Vault.objects.get(pk=self._vault_id)
        return self._vault

    def seal(self, obj: models.Model, **values: Any) -> None:
        if vault_id_of(obj) != self._vault_id:
            raise ValueError("this record belongs to another vault")
        for name, value in values.items():
            field = _field(obj, name)
            if value is None:
                setattr(obj, name, None)
            elif field.sealed_box:
                setattr(
                    obj,
                    name,
                    crypto.seal_to(
                        bytes(self.vault.public_key), _encode(field, value), _aad(obj, field)
                    ),
                )
            else:
                setattr(
                    obj,
                    name,
                    crypto.aead_encrypt(self._key, _encode(field, value), _aad(obj, field)),
                )

    def unseal(self, obj: models.Model, name: str) -> Any:
        if vault_id_of(obj) != self._vault_id:
            raise ValueError("this record belongs to another vault")
        field = _field(obj, name)
        blob = getattr(obj, name)
        if blob is None:
            return None
        blob = bytes(blob)
        if field.sealed_box:
            raw = crypto.open_sealed(self._vault_private_key(), blob, _aad(obj, field))
        else:
            raw = crypto.aead_decrypt(self._key, blob, _aad(obj, field))
        return _decode(field, raw)

    def blind_index(self, value: str, *, bits: int = 20) -> str:
        """Blind-index value of a normalised search key under this (index) vault's key."""
        if self._index_key is None:
            # Derived once per opened vault (an import hashes thousands of keys), never stored.
            self._index_key = self._subkey(b"blind-index")
        return crypto.blind_index(self._index_key, value, bits=bits)

    def seal_key_to(self, public_key: bytes, *, user_id: Any) -> bytes:
        return crypto.seal_to(public_key, self._key, f"grant|{self.vault.id}|{user_id}".encode())

    def _subkey(self, purpose: bytes) -> bytes:
        return hmac.new(self._key, purpose, hashlib.sha256).digest()

    def _vault_private_key(self) -> bytes:
        if self._private is None:
            self._private = crypto.aead_decrypt(
                self._key,
                bytes(self.vault.sealed_private_key),  # type: ignore[arg-type]
                f"vault-sk|{self.vault.id}".encode(),
            )
        return self._private


@cache
def _sealed_names(model: type[models.Model]) -> frozenset[str]:
    return frozenset(f.name for f in model._meta.fields if isinstance(f, SealedField))


# The model a reader wraps, so that `reader.record` is typed as the row it is.
M = TypeVar("M", bound=models.Model)


class SealedReader(Generic[M]):
    """Attribute access to a row's plaintext, for views and templates: `reader.given_name`.
    Other attributes pass through to the row; each sealed value is decrypted once, on use."""

    def __init__(self, obj: M, opened: OpenVault | None) -> None:
        self._obj = obj
        self._opened = opened
        self._sealed = _sealed_names(type(obj))
        self._cache: dict[str, Any] = {}

    @property
    def record(self) -> M:
        return self._obj

    @property
    def is_open(self) -> bool:
        return self._opened is not None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._sealed:
            return getattr(self._obj, name)
        try:
            return self._cache[name]
        except KeyError:
            value = None if self._opened is None else self._opened.unseal(self._obj, name)
            self._cache[name] = value
            return value


class ProcessKeyStore(MutableMapping[str, str]):
    """The worker process's store for `SessionKeyCache`: sealed vault keys in memory, least
    recently used dropped first. Kept out of the session row, which held up to 70 KB of them
    and was read and rewritten on every request; in memory nothing of it reaches the disk,
    and each entry is sealed under a secret derived from the session's cookie, which the
    server never stores."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._data: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def __getitem__(self, key: str) -> str:
        with self._lock:
            value = self._data[key]
            self._data.move_to_end(key)
            return value

    def __setitem__(self, key: str, value: str) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._limit:
                self._data.popitem(last=False)

    def __delitem__(self, key: str) -> None:
        with self._lock:
            del self._data[key]

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._data))

    def __len__(self) -> int:
        return len(self._data)


# About 200 bytes an entry: 20,000 entries are 4 MB per worker.
PROCESS_KEY_STORE = ProcessKeyStore(limit=20_000)


class SessionKeyCache:
    """Vault keys this session has already opened, sealed under the session's cookie secret
    (bound to the user and session) and kept in `store` (the worker's `PROCESS_KEY_STORE`).
    It is no weaker than the session's wrapped private key (which opens every grant anyway)
    and saves an X25519 operation (~0.3 ms) per vault on list pages. The grant row is still
    read on every request: a cached key opens nothing whose grant is gone."""

    def __init__(self, store: MutableMapping[str, str], secret: bytes, binding: str) -> None:
        self._store = store
        self._secret = secret
        self._binding = binding
        self.changed = False

    def _aad(self, vault_id: Any) -> bytes:
        return f"vault-cache|{self._binding}|{vault_id}".encode()

    def _key(self, vault_id: Any) -> str:
        return f"{self._binding}|{vault_id}"

    def get(self, vault_id: Any) -> bytes | None:
        blob = self._store.get(self._key(vault_id))
        if blob is None:
            return None
        try:
            return crypto.aead_decrypt(self._secret, base64.b64decode(blob), self._aad(vault_id))
        except (ValueError, crypto.CryptoError):
            return None

    def put(self, vault_id: Any, data_key: bytes) -> None:
        self._store[self._key(vault_id)] = base64.b64encode(
            crypto.aead_encrypt(self._secret, data_key, self._aad(vault_id))
        ).decode()
        self.changed = True


class Keyring:
    """What one staff member can open during one request."""

    def __init__(
        self,
        user: User | None,
        private_key: bytes | None,
        *,
        duress: bool = False,
        session_cache: SessionKeyCache | None = None,
    ) -> None:
        self.user = user
        self._private_key = private_key
        self.duress = duress
        self._session_cache = session_cache
        self._open: dict[Any, OpenVault] = {}
        self._granted: set[Any] | None = None
        self._granted_query: models.QuerySet | None = None
        self._holds: dict[Any, bool] = {}
        self._to_audit: list[Any] = []
        self._public_key = crypto.public_key_of(private_key) if private_key is not None else None

    @classmethod
    def empty(cls, user: User | None = None, *, duress: bool = False) -> Keyring:
        return cls(user, None, duress=duress)

    @property
    def is_empty(self) -> bool:
        return self._private_key is None

    @property
    def session_cache_changed(self) -> bool:
        return bool(self._session_cache and self._session_cache.changed)

    def vault_ids(self) -> set[Any]:
        """Ids of the vaults this keyring may open (one query, cached for the request)."""
        if self._granted is None:
            if self.is_empty or self.user is None:
                self._granted = set()
            else:
                self._granted = set(
                    Grant.objects.filter(
                        user=self.user, vault__shredded_at__isnull=True
                    ).values_list("vault_id", flat=True)
                )
        return self._granted

    def visible(
        self,
        queryset: models.QuerySet,
        path: str = "vault",
        *,
        walk: bool = False,
        join: bool = False,
    ) -> models.QuerySet:
        """Restrict a queryset to rows in vaults this keyring opens. A duress or key-less
        session sees nothing at all, not even that rows exist. A semi-join (IN a subquery of
        grants), so that rows are never duplicated and no DISTINCT is needed on big lists.

        `join=True` joins the account's grants instead (one grant per vault and user, so no
        row is repeated): the database starts from the account's few grants, where it would
        otherwise scan every row to test it against the semi-join (measured: a bounded count
        for a 50-case account scanned all 100,000 cases).

        `walk=True` checks each row's own grant instead (EXISTS, one lookup in the unique
        (vault, user) index): for a page read in an index's order by an account holding many
        grants, where the semi-join would first collect every grant of the account."""
        if self.is_empty or self.user is None:
            return queryset.none()
        if join:
            return queryset.filter(
                **{f"{path}__grants__user": self.user, f"{path}__shredded_at__isnull": True}
            )
        if walk:
            own = Grant.objects.filter(
                user=self.user, vault_id=models.OuterRef(path), vault__shredded_at__isnull=True
            )
            return queryset.filter(models.Exists(own))
        if self._granted_query is None:
            # Built once per request (a dashboard asks for it in every panel; building it was
            # a tenth of the page): a subquery, run afresh by every query that uses it, so a
            # grant revoked meanwhile is not seen by the next query.
            self._granted_query = Grant.objects.filter(
                user_id=self.user.pk, vault__shredded_at__isnull=True
            ).values("vault_id")
        return queryset.filter(**{f"{path}__in": self._granted_query})

    def can_open(self, vault: Vault | Any) -> bool:
        """Whether this keyring holds a grant for `vault`: one indexed lookup of that grant
        (cached for the request), never the account's whole list of grants, which at 100,000
        cases costs more than the page."""
        vid: Any = getattr(vault, "id", vault)
        if vid in self._open:
            return True
        if self._granted is not None:
            return vid in self._granted
        if vid not in self._holds:
            self._holds[vid] = (
                not self.is_empty
                and self.user is not None
                and Grant.objects.filter(
                    user=self.user, vault_id=vid, vault__shredded_at__isnull=True
                ).exists()
            )
        return self._holds[vid]

    def open(self, vault: Vault) -> OpenVault:
        if vault.id in self._open:
            return self._open[vault.id]
        self.open_many([vault])
        if vault.id not in self._open:
            raise VaultLocked(str(vault.id))
        return self._open[vault.id]

    def open_many(self, vaults: Iterable[Vault | Any]) -> dict[Any, OpenVault]:
        """Open every vault in `vaults` (Vault rows or ids) that this keyring holds a grant
        for, with one query."""
        wanted = {getattr(v, "id", v): v for v in vaults}
        wanted = {k: v for k, v in wanted.items() if k not in self._open}
        if wanted and not self.is_empty and self.user is not None:
            grants = Grant.objects.filter(
                user=self.user, vault_id__in=list(wanted), vault__shredded_at__isnull=True
            )
            for vault_id, sealed_key in grants.values_list("vault_id", "sealed_key"):
                # The grant row is re-read every time (a revoked grant stops working at once);
                # only the X25519 opening is skipped when this session has opened it before.
                data_key = self._session_cache.get(vault_id) if self._session_cache else None
                if data_key is None:
                    data_key = crypto.open_sealed(
                        self._private_key,  # type: ignore[arg-type]
                        bytes(sealed_key),
                        f"grant|{vault_id}|{self.user.pk}".encode(),
                        public_key=self._public_key,
                    )
                    if self._session_cache is not None:
                        self._session_cache.put(vault_id, data_key)
                self._open[vault_id] = OpenVault(wanted[vault_id], data_key)
                self._to_audit.append(vault_id)
        return self._open

    def reader(self, obj: M) -> SealedReader[M]:
        vault = vault_of(obj)
        opened = self._open.get(vault.id)
        if opened is None and self.can_open(vault):
            opened = self.open(vault)
        return SealedReader(obj, opened)

    def readers(self, objs: Iterable[M]) -> list[SealedReader[M]]:
        """Readers for a page of rows: grants fetched in one query, each vault opened once.
        Rows should come with `select_related("vault")`."""
        objs = list(objs)
        self.open_many({vault_id_of(o) for o in objs})
        return [SealedReader(o, self._open.get(vault_id_of(o))) for o in objs]

    def adopt(self, opened: OpenVault) -> None:
        """Keep a vault this request has just created, so it opens without a round trip."""
        self._open[opened.vault.id] = opened
        self._holds[opened.vault.id] = True
        if self._granted is not None:
            self._granted.add(opened.vault.id)

    def flush_audit(self) -> None:
        """Write one `vault.open` event per vault opened since the last flush."""
        if not self._to_audit:
            return
        from haven.audit.log import log_events

        pending, self._to_audit = self._to_audit, []
        with transaction.atomic():
            log_events(
                [
                    {
                        "actor": self.user,
                        "action": "vault.open",
                        "object_type": "vault",
                        "object_id": str(v),
                    }
                    for v in pending
                ]
            )

    def public_key_of_self(self) -> bytes | None:
        return None if self.user is None else bytes(self.user.key.public_key)

"""Sealed files in object storage (HAVEN_STORAGE = "s3" or "files"; docs/operations.md "Object
storage").

By default (HAVEN_STORAGE = "database", the embedded installation) a sealed file stays in its
database column, as it always has. Otherwise the column keeps only a reference, and the bytes go
to Django's "sealed" storage: S3-compatible object storage through django-storages (SeaweedFS,
MinIO or Garage in production) or a folder. Only ciphertext ever leaves: the value a
`SealedField(kind="bytes")` receives has already been sealed under the row's vault key
(haven.vault.keyring), and `put` refuses anything that is not a sealed blob (invariant 1). An
object's name is random: it says nothing about the row, the vault or the person.

Destroying a vault's keys (retention, the emergency wipe) already makes its objects unreadable;
the objects are then deleted too, every version where the bucket keeps versions (`purge`).
"""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction

from haven.vault import crypto

log = logging.getLogger("haven.vault")
REFERENCE = b"\x00haven-object:"
PREFIX = "sealed/"


def enabled() -> bool:
    return settings.HAVEN_STORAGE != "database"


def storage() -> Storage:
    return storages["sealed"]


def is_reference(value: Any) -> bool:
    return isinstance(value, bytes | bytearray | memoryview) and bytes(value[: len(REFERENCE)]) == (
        REFERENCE
    )


class StoredObject:
    """A sealed blob kept in object storage; read on first use (`bytes(obj.original)`)."""

    def __init__(self, name: str, data: bytes | None = None) -> None:
        self.name = name
        self._data = data

    @property
    def reference(self) -> bytes:
        return REFERENCE + self.name.encode()

    def __bytes__(self) -> bytes:
        if self._data is None:
            with storage().open(self.name, "rb") as handle:
                self._data = handle.read()
        return self._data

    def __len__(self) -> int:
        return len(bytes(self))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StoredObject):
            return self.name == other.name
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"StoredObject({self.name!r})"


def from_reference(value: Any) -> StoredObject:
    return StoredObject(bytes(value)[len(REFERENCE) :].decode())


def put(blob: bytes) -> StoredObject:
    """Store one sealed blob under a fresh random name."""
    if not crypto.looks_sealed(blob):
        raise ValueError("only sealed blobs go to object storage")
    name = f"{PREFIX}{secrets.token_hex(2)}/{secrets.token_hex(16)}"
    saved = storage().save(name, ContentFile(blob))
    return StoredObject(saved, data=blob)


def delete(names: Iterable[str]) -> int:
    """Delete objects, every version of each where the bucket keeps versions."""
    done = 0
    for name in names:
        purge(name)
        done += 1
    return done


def purge(name: str = "") -> int:
    """Delete one object (or, with no name, everything Haven keeps under its prefix), with
    every stored version and delete marker on a versioned S3 bucket. Returns what went."""
    store = storage()
    bucket = getattr(store, "bucket", None)
    if bucket is not None:  # django-storages' S3Storage: boto3 underneath
        key = store._normalize_name(name) if name else store._normalize_name(PREFIX)  # type: ignore[attr-defined]
        gone = 0
        for version in bucket.object_versions.filter(Prefix=key):
            if name and version.object_key != key:
                continue
            version.delete()
            gone += 1
        return gone
    if name:
        store.delete(name)
        return 1
    return sum(purge(n) for n in _walk(store, PREFIX.rstrip("/")))


def names_in_vaults(vault_ids: list[Any]) -> list[str]:
    """The objects of every sealed file stored in rows of these vaults, across every model."""
    from django.apps import apps

    from haven.vault.fields import SealedField

    found: list[str] = []
    for model in apps.get_models():
        fields = [
            f.name
            for f in model._meta.fields
            if isinstance(f, SealedField) and f.sealed_kind == "bytes"
        ]
        if not fields or not any(f.name == "vault" for f in model._meta.fields):
            continue
        for row in model._default_manager.filter(vault_id__in=vault_ids).values_list(*fields):
            found += [v.name for v in row if isinstance(v, StoredObject)]
    return found


def delete_after_commit(names: list[str]) -> None:
    """Delete objects once the transaction that stopped referencing them has committed (a
    rollback leaves them in place, still referenced). A failure is logged, never raised: the
    keys are already gone, so what is left is ciphertext nobody can open, and the emergency
    wipe's purge removes everything under the prefix."""
    if not names:
        return

    def run() -> None:
        try:
            delete(names)
        except Exception:  # noqa: BLE001
            log.exception("deleting %d sealed object(s) failed", len(names))

    transaction.on_commit(run)


def _walk(store: Storage, folder: str) -> list[str]:
    try:
        dirs, files = store.listdir(folder)
    except FileNotFoundError:
        return []
    found = [f"{folder}/{f}" for f in files]
    for d in dirs:
        found += _walk(store, f"{folder}/{d}")
    return found


def all_names() -> list[str]:
    """Every object under Haven's prefix (backups, tests)."""
    return _walk(storage(), PREFIX.rstrip("/"))


def read_raw(name: str) -> bytes:
    with storage().open(name, "rb") as handle:
        return handle.read()


def write_raw(name: str, data: bytes) -> None:
    """Restore: put an object back under its own name (backups keep the names)."""
    store = storage()
    if store.exists(name):
        store.delete(name)
    store.save(name, io.BytesIO(data))

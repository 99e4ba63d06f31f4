"""Reading a backup: decrypt into a private staging folder and check every hash against the
manifest before anything touches the target."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import threading
from pathlib import Path, PurePosixPath
from typing import IO, Any

import pyrage
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from haven.ops.backup.archive import (
    CHECKPOINT_KEY,
    FORMAT,
    HEADER,
    MANIFEST,
    PG_MEMBER,
    SQLITE_MEMBER,
    VERSION,
    BackupError,
    Installation,
    Summary,
)
from haven.ops.backup.keys import load_identities
from haven.ops.backup.progress import _progress
from haven.ops.backup.snapshot import _private_dir
from haven.ops.backup.target import _apply, target_problem
from haven.ops.backup.write import _snapshot_dir


def restore_backup(
    source: Path,
    identity_file: Path,
    *,
    installation: Installation | None = None,
    progress: bool = True,
) -> Summary:
    """Restore `source` into an empty installation. Refuses a non-empty one."""
    installation = installation or Installation.current()
    identities = load_identities(identity_file)
    if not source.is_file():
        raise BackupError(_("No backup file at %(path)s.") % {"path": str(source)})
    vendor = installation.vendor
    problem = target_problem(installation)
    if problem:
        raise BackupError(problem)
    staging = _private_dir(_snapshot_dir(installation))
    try:
        header, manifest = _decrypt_into(source, identities, staging, progress)
        _check_staged(header, manifest, staging, vendor)
        summary = Summary(vendor=vendor, path=source)
        _apply(header, staging, installation, summary)
        return summary
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _decrypt_into(
    source: Path, identities: list[Any], staging: Path, progress: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    read_fd, write_fd = os.pipe()
    result: dict[str, Any] = {}
    failure: list[BaseException] = []
    language = translation.get_language()

    def reader() -> None:
        # Messages raised in this thread speak the caller's language (activation is per thread).
        translation.activate(language or settings.LANGUAGE_CODE)
        try:
            with os.fdopen(read_fd, "rb") as pipe:
                try:
                    result.update(_read_members(pipe, staging, progress, source.stat().st_size))
                finally:
                    while pipe.read(1024 * 1024):
                        pass
        except BaseException as exc:  # noqa: BLE001
            failure.append(exc)

    thread = threading.Thread(target=reader, name="haven-restore-tar", daemon=True)
    thread.start()
    try:
        with open(source, "rb") as encrypted, os.fdopen(write_fd, "wb") as pipe:
            pyrage.decrypt_io(encrypted, pipe, identities)
    except pyrage.DecryptError as exc:
        thread.join()
        text = str(exc).lower()
        if "no matching" in text or "identity" in text:
            raise BackupError(
                _("This key does not open this backup (wrong identity file).")
            ) from exc
        raise BackupError(_("The backup file is damaged or is not a Haven backup.")) from exc
    except Exception as exc:  # noqa: BLE001
        thread.join()
        raise BackupError(_("The backup file is damaged or is not a Haven backup.")) from exc
    thread.join()
    if failure:
        problem = failure[0]
        if isinstance(problem, BackupError):
            raise problem
        raise BackupError(_("The backup file is damaged or is not a Haven backup.")) from problem
    if "header" not in result or "manifest" not in result:
        raise BackupError(_("The backup file is damaged or is not a Haven backup."))
    return result["header"], result["manifest"]


def _safe_member(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(_("The backup file is damaged or is not a Haven backup."))
    return path


def _read_members(pipe: IO[bytes], staging: Path, progress: bool, total: int) -> dict[str, Any]:
    found: dict[str, Any] = {"hashes": {}}
    with (
        _progress(total, _("restore"), progress) as bar,
        tarfile.open(fileobj=pipe, mode="r|") as tar,
    ):
        for info in tar:
            if not info.isfile():
                raise BackupError(_("The backup file is damaged or is not a Haven backup."))
            path = _safe_member(info.name)
            handle = tar.extractfile(info)
            assert handle is not None
            if info.name in (HEADER, MANIFEST):
                found["header" if info.name == HEADER else "manifest"] = json.loads(
                    handle.read(1024 * 1024)
                )
                continue
            target = staging.joinpath(*path.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            sha = hashlib.sha256()
            with open(target, "wb") as out:
                while chunk := handle.read(1024 * 1024):
                    sha.update(chunk)
                    out.write(chunk)
                    bar.update(len(chunk))
            found["hashes"][info.name] = {"size": info.size, "sha256": sha.hexdigest()}
    manifest = found.get("manifest")
    if manifest is not None:
        # The checkpoint is a witness carried along, not a member of the archive.
        manifest = {k: v for k, v in manifest.items() if k != CHECKPOINT_KEY}
    if manifest is not None and manifest != found["hashes"]:
        raise BackupError(_("The backup file is damaged: its contents do not match its manifest."))
    return found


def _check_staged(
    header: dict[str, Any], manifest: dict[str, Any], staging: Path, vendor: str
) -> None:
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise BackupError(_("The backup file is damaged or is not a Haven backup."))
    if header.get("vendor") != vendor:
        raise BackupError(
            _(
                "This backup is of a %(source)s database; the target is %(target)s. Restore it into the same kind of database."
            )
            % {"source": header.get("vendor"), "target": vendor}
        )
    member = SQLITE_MEMBER if vendor == "sqlite" else PG_MEMBER
    if member not in manifest or not (staging / member).is_file():
        raise BackupError(_("The backup file is damaged or is not a Haven backup."))
    unknown = _unknown_migrations(header.get("migrations", []))
    if unknown:
        raise BackupError(
            _(
                "This backup was made by a newer Haven (it has migrations this version does not know, e.g. %(name)s). Install that version first."
            )
            % {"name": unknown[0]}
        )


def _unknown_migrations(applied: list[list[str]]) -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [f"{app}.{name}" for app, name in applied if (app, name) not in known]

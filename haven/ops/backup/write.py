"""Writing a backup: the snapshot and every file, streamed as a tar through age, so that no
plaintext archive is ever written."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tarfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pyrage
from django.conf import settings
from django.utils.translation import gettext as _

from haven.ops.backup.archive import (
    CHECKPOINT_KEY,
    FILES_PREFIX,
    FORMAT,
    HEADER,
    MANIFEST,
    OBJECTS_PREFIX,
    PG_MEMBER,
    SQLITE_MEMBER,
    VERSION,
    BackupError,
    Installation,
    Summary,
)
from haven.ops.backup.keys import parse_recipients
from haven.ops.backup.progress import _Counting, _progress
from haven.ops.backup.snapshot import (
    _applied_migrations,
    _media_files,
    _pg_snapshot,
    _private_dir,
    _sqlite_snapshot,
)
from haven.vault import objects


def create_backup(
    destination: Path,
    recipients: list[str],
    *,
    installation: Installation | None = None,
    progress: bool = True,
) -> Summary:
    """Write one encrypted backup file. Raises BackupError with an operator-facing message."""
    installation = installation or Installation.current()
    keys = parse_recipients(recipients)
    if destination.exists() and destination.is_dir():
        raise BackupError(_("%(path)s is a folder; give a file name.") % {"path": str(destination)})
    if not destination.parent.is_dir():
        raise BackupError(
            _("The folder %(path)s does not exist.") % {"path": str(destination.parent)}
        )
    vendor = installation.vendor
    summary = Summary(vendor=vendor, path=destination)
    work = _private_dir(_snapshot_dir(installation))
    partial = destination.with_name(destination.name + ".partial")
    try:
        member = SQLITE_MEMBER if vendor == "sqlite" else PG_MEMBER
        snapshot = work / member
        header = {
            "format": FORMAT,
            "version": VERSION,
            "vendor": vendor,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "migrations": _applied_migrations(installation),
        }
        # Before the snapshot, so the snapshot holds the row it names.
        checkpoint = _audit_checkpoint()
        if vendor == "sqlite":
            _sqlite_snapshot(installation, snapshot)
        else:
            _pg_snapshot(installation, snapshot)
        files = _media_files(installation.media_root)
        total = snapshot.stat().st_size + sum(f.stat().st_size for f in files)
        with _progress(total, _("backup"), progress) as bar, open(partial, "wb") as out:
            os.chmod(partial, 0o600)
            _encrypt_stream(
                lambda tar: _write_members(
                    tar, header, snapshot, member, installation, files, bar, summary, checkpoint
                ),
                out,
                keys,
            )
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, destination)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return summary


def _audit_checkpoint() -> dict[str, Any] | None:
    """A fresh signed checkpoint of the audit head (also sent to the coordinators), or None for
    an installation whose chain is still empty."""
    from haven.audit.checkpoint import issue_checkpoint

    checkpoint = issue_checkpoint()
    return checkpoint.as_json() if checkpoint is not None else None


def _snapshot_dir(installation: Installation) -> Path:
    if installation.vendor == "sqlite":
        return Path(installation.database["NAME"]).resolve().parent
    return Path(settings.DATA_DIR)


def _write_members(
    tar: tarfile.TarFile,
    header: dict[str, Any],
    snapshot: Path,
    member: str,
    installation: Installation,
    files: list[Path],
    bar: Any,
    summary: Summary,
    checkpoint: dict[str, Any] | None = None,
) -> None:
    manifest: dict[str, dict[str, Any]] = {}
    _add_bytes(tar, HEADER, json.dumps(header, indent=1).encode())
    size, digest = _add_file(tar, member, snapshot, bar)
    manifest[member] = {"size": size, "sha256": digest}
    summary.database_bytes = size
    for path in files:
        name = FILES_PREFIX + path.relative_to(installation.media_root).as_posix()
        size, digest = _add_file(tar, name, path, bar)
        manifest[name] = {"size": size, "sha256": digest}
        summary.files += 1
        summary.file_bytes += size
    for name in objects.all_names() if objects.enabled() else []:
        data = objects.read_raw(name)
        member_name = OBJECTS_PREFIX + name
        _add_bytes(tar, member_name, data)
        bar.update(len(data))
        manifest[member_name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        summary.objects += 1
        summary.file_bytes += len(data)
    if checkpoint is not None:
        manifest[CHECKPOINT_KEY] = checkpoint
    _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())


def _tarinfo(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, 0
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    tar.addfile(_tarinfo(name, len(data)), io.BytesIO(data))


def _add_file(tar: tarfile.TarFile, name: str, path: Path, bar: Any) -> tuple[int, str]:
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        counting = _Counting(handle, bar)
        tar.addfile(_tarinfo(name, size), io.BufferedReader(counting, 1024 * 1024))
        return counting.size, counting.sha.hexdigest()


def _encrypt_stream(
    produce: Callable[[tarfile.TarFile], None], out: IO[bytes], keys: list[Any]
) -> None:
    """A thread writes the tar into a pipe; age encrypts from the other end into `out`."""
    read_fd, write_fd = os.pipe()
    failure: list[BaseException] = []

    def writer() -> None:
        try:
            with os.fdopen(write_fd, "wb") as pipe, tarfile.open(fileobj=pipe, mode="w|") as tar:
                produce(tar)
        except BaseException as exc:  # noqa: BLE001  (handed to the main thread below)
            failure.append(exc)

    thread = threading.Thread(target=writer, name="haven-backup-tar", daemon=True)
    thread.start()
    with os.fdopen(read_fd, "rb") as pipe:
        try:
            pyrage.encrypt_io(pipe, out, keys)
        finally:
            # Drain so that the writer never blocks on a full pipe if encryption stopped early.
            while pipe.read(1024 * 1024):
                pass
    thread.join()
    if failure:
        raise failure[0]

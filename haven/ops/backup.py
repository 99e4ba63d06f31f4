"""Encrypted backups: one age-encrypted tar holding a consistent database snapshot and every
stored file, and the restore of such a file into an empty installation.

Archive layout (in this order, so that a restore can read it as a stream):
    haven-backup.json   format, version, database vendor, creation time, applied migrations
    database.sqlite3    SQLite: a copy made with the online backup API (consistent, no lock-out)
    database.pgdump     or PostgreSQL: `pg_dump --format=custom`
    files/<path>        everything under MEDIA_ROOT
    manifest.json       size and SHA-256 of every member above, and `audit_checkpoint`: a signed
                        checkpoint of the audit chain made just before the snapshot, so that
                        the offline key holders are witnesses too (docs/security.md)

The whole tar is streamed through age (pyrage) to the recipients' public keys: no plaintext
archive is ever written. Only the database snapshot itself touches the disk, in a private folder
beside the live database (it holds exactly what the live database file already holds there).

A restore decrypts into a private staging folder, checks every hash against the manifest and
only then touches the target, so a damaged or foreign file leaves the target as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

import pyrage
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import translation
from django.utils.translation import gettext as _

FORMAT = "haven-backup"
VERSION = 1
HEADER = "haven-backup.json"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
FILES_PREFIX = "files/"
CHECKPOINT_KEY = "audit_checkpoint"
# Rows that a freshly migrated, never used database already holds.
BOOKKEEPING_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message is for the operator."""


@dataclass(frozen=True)
class Installation:
    """Where an installation keeps its data: a Django database settings dict and MEDIA_ROOT."""

    database: dict[str, Any]
    media_root: Path

    @classmethod
    def current(cls) -> Installation:
        return cls(dict(connections[DEFAULT_DB_ALIAS].settings_dict), Path(settings.MEDIA_ROOT))

    @property
    def vendor(self) -> str:
        engine = self.database["ENGINE"]
        if engine.endswith("sqlite3"):
            return "sqlite"
        if "postgresql" in engine:
            return "postgresql"
        raise BackupError(_("Unsupported database engine: %(engine)s") % {"engine": engine})


@dataclass
class Summary:
    vendor: str
    database_bytes: int = 0
    files: int = 0
    file_bytes: int = 0
    path: Path | None = None
    warnings: list[str] = field(default_factory=list)


# ---- keys ---------------------------------------------------------------------------------------


def parse_recipients(values: list[str]) -> list[pyrage.x25519.Recipient]:
    if not values:
        raise BackupError(
            _("Give at least one --recipient (an age public key, age1...); see docs/operations.md.")
        )
    recipients = []
    for value in values:
        try:
            recipients.append(pyrage.x25519.Recipient.from_str(value.strip()))
        except Exception as exc:  # noqa: BLE001  (pyrage raises its own error types)
            raise BackupError(
                _("Not an age public key: %(value)s (it starts with age1)")
                % {"value": value[:20] + ("..." if len(value) > 20 else "")}
            ) from exc
    return recipients


def load_identities(path: Path) -> list[pyrage.x25519.Identity]:
    """Secret keys from an age identity file (the output of age-keygen: comments and lines of
    AGE-SECRET-KEY-1...)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(
            _("Cannot read the identity file %(path)s.") % {"path": str(path)}
        ) from exc
    identities = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(pyrage.x25519.Identity.from_str(line))
        except Exception as exc:  # noqa: BLE001
            raise BackupError(
                _("The identity file %(path)s holds a line that is not an age secret key.")
                % {"path": str(path)}
            ) from exc
    if not identities:
        raise BackupError(
            _("The identity file %(path)s holds no age secret key (AGE-SECRET-KEY-1...).")
            % {"path": str(path)}
        )
    return identities


# ---- progress -----------------------------------------------------------------------------------


def _progress(total: int, label: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        desc=label,
        file=sys.stderr,
        disable=not (enabled and sys.stderr.isatty()),
        leave=False,
    )


class _Counting(io.RawIOBase):
    """Hashes and counts what passes through, and moves the progress bar."""

    def __init__(self, source: IO[bytes], bar: Any) -> None:
        self.source, self.bar = source, bar
        self.sha = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.source.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.sha.update(data)
        self.size += n
        self.bar.update(n)
        return n


# ---- snapshot -----------------------------------------------------------------------------------


def _private_dir(near: Path) -> Path:
    near.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".haven-ops-", dir=near))


def _sqlite_snapshot(installation: Installation, target: Path) -> None:
    """The online backup API copies a consistent snapshot while the app keeps running."""
    source = sqlite3.connect(installation.database["NAME"])
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest, pages=4096)
        finally:
            dest.close()
    finally:
        source.close()


def pg_tool(name: str) -> str:
    """A PostgreSQL client program: $HAVEN_PG_BIN, then Debian's newest
    /usr/lib/postgresql/<major>/bin (pg_dump must be at least the server's version), then PATH."""
    configured = os.environ.get("HAVEN_PG_BIN")
    candidates = [Path(configured) / name] if configured else []
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        majors = sorted(
            (p for p in debian.iterdir() if p.name.isdigit()), key=lambda p: int(p.name)
        )
        candidates += [p / "bin" / name for p in reversed(majors)]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(
        _("%(tool)s was not found: install postgresql-client (or set HAVEN_PG_BIN).")
        % {"tool": name}
    )


def pg_env(database: dict[str, Any]) -> dict[str, str]:
    """Connection settings through the environment, so that no password is ever in argv."""
    env = {**os.environ}
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        value = database.get(key)
        if value:
            env[var] = str(value)
    return env


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    # The program comes from pg_tool() and the arguments from settings, never from a request.
    result = subprocess.run(cmd, env=env, capture_output=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise BackupError(
            _("%(what)s failed: %(detail)s") % {"what": what, "detail": " / ".join(detail)}
        )


def _pg_snapshot(installation: Installation, target: Path) -> None:
    # One transaction-consistent snapshot of the whole database (pg_dump's default).
    _run(
        [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "-f", str(target)],
        pg_env(installation.database),
        "pg_dump",
    )


def _applied_migrations(installation: Installation) -> list[list[str]]:
    connection = _connection_for(installation)
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [[app, name] for app, name in cursor.fetchall()]


def _connection_for(installation: Installation) -> Any:
    current = connections[DEFAULT_DB_ALIAS]
    if _same_database(current.settings_dict, installation.database):
        return current
    raise BackupError("only the configured database can be backed up")


def _same_database(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("ENGINE", "NAME", "HOST", "PORT")
    return all(str(a.get(k) or "") == str(b.get(k) or "") for k in keys)


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not p.is_symlink() and ".haven-ops-" not in str(p)
    )


# ---- writing ------------------------------------------------------------------------------------


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


# ---- restore ------------------------------------------------------------------------------------


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


# ---- the target ---------------------------------------------------------------------------------


def _table_counts_sqlite(path: str) -> dict[str, int]:
    if not Path(path).exists():
        return {}
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        # Table names come from the database's own catalogue, quoted.
        return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608
    finally:
        db.close()


def _table_counts_pg(database: dict[str, Any]) -> dict[str, int]:
    from psycopg import sql

    with _pg_connect(database) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
        tables = [r[0] for r in cur.fetchall()]
        counts = {}
        for table in tables:
            cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            row = cur.fetchone()
            counts[table] = int(row[0]) if row else 0
        return counts


def _pg_connect(database: dict[str, Any]) -> Any:
    import psycopg

    kwargs = {
        "dbname": database.get("NAME"),
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
    }
    return psycopg.connect(**{k: v for k, v in kwargs.items() if v}, autocommit=True)


def table_counts(installation: Installation) -> dict[str, int]:
    if installation.vendor == "sqlite":
        return _table_counts_sqlite(installation.database["NAME"])
    return _table_counts_pg(installation.database)


def target_problem(installation: Installation) -> str:
    """Why the target cannot take a restore, or "" when it is empty (no tables, or tables holding
    only what `migrate` writes)."""
    try:
        counts = table_counts(installation)
    except Exception as exc:  # noqa: BLE001
        return _("Cannot open the target database: %(error)s") % {"error": type(exc).__name__}
    used = sorted(t for t, n in counts.items() if n and t not in BOOKKEEPING_TABLES)
    if used:
        return _(
            "The target installation is not empty (%(n)d tables hold data, e.g. %(table)s). Restore only into a new, empty database; nothing was changed."
        ) % {"n": len(used), "table": used[0]}
    if any(_media_files(installation.media_root)):
        return _(
            "The target's file folder %(path)s is not empty. Restore only into an empty installation; nothing was changed."
        ) % {"path": str(installation.media_root)}
    return ""


def after_restore(summary: Summary) -> None:
    """On the restored database (the configured one): end every session restored with it (a
    cookie from before, perhaps on a seized laptop, must not resume one), and add the restore to
    the audit chain, which the backup carried intact, so it still verifies."""
    from django.db import transaction

    from haven.accounts.models import StaffSession
    from haven.audit.log import log_event

    with transaction.atomic():
        ended, _rows = StaffSession.objects.all().delete()
        log_event(
            action="backup.restore",
            object_type="installation",
            data={"files": summary.files, "sessions_ended": ended, "vendor": summary.vendor},
        )


def _apply(
    header: dict[str, Any], staging: Path, installation: Installation, summary: Summary
) -> None:
    connections.close_all()
    if installation.vendor == "sqlite":
        _apply_sqlite(staging / SQLITE_MEMBER, Path(installation.database["NAME"]))
    else:
        _apply_pg(staging / PG_MEMBER, installation)
    summary.database_bytes = (
        (staging / (SQLITE_MEMBER if installation.vendor == "sqlite" else PG_MEMBER)).stat().st_size
    )
    staged_files = staging / "files"
    if staged_files.is_dir():
        for path in sorted(p for p in staged_files.rglob("*") if p.is_file()):
            target = installation.media_root / path.relative_to(staged_files)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), target)
            summary.files += 1
            summary.file_bytes += target.stat().st_size


def _apply_sqlite(snapshot: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    incoming = target.with_name(target.name + ".restoring")
    shutil.copyfile(snapshot, incoming)
    os.chmod(incoming, 0o600)
    for suffix in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(target) + suffix).unlink()
    os.replace(incoming, target)


def _apply_pg(dump: Path, installation: Installation) -> None:
    counts = table_counts(installation)
    cmd = [
        pg_tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
    ]
    if counts:
        # Tables exist but hold only migrate's bookkeeping: replace them with the backup's.
        cmd += ["--clean", "--if-exists"]
    _run(
        [*cmd, "-d", str(installation.database["NAME"]), str(dump)],
        pg_env(installation.database),
        "pg_restore",
    )

"""The installation a backup is restored into: it must be empty, and it is replaced only once
the staged backup checked out."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from django.db import connections
from django.utils.translation import gettext as _

from haven.ops.backup.archive import (
    BOOKKEEPING_TABLES,
    OBJECTS_PREFIX,
    PG_MEMBER,
    SQLITE_MEMBER,
    Installation,
    Summary,
)
from haven.ops.backup.snapshot import _media_files, _run, pg_env, pg_tool
from haven.vault import objects


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
    if objects.enabled() and objects.all_names():
        return _(
            "The target's object storage already holds sealed files. Restore only into an empty installation; nothing was changed."
        )
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
    staged_objects = staging / OBJECTS_PREFIX.rstrip("/")
    if staged_objects.is_dir():
        if not objects.enabled():
            summary.warnings.append(
                _(
                    "The backup holds sealed files from object storage, but this installation keeps files in its database (HAVEN_STORAGE); set HAVEN_STORAGE as on the original installation and restore again."
                )
            )
            return
        for path in sorted(p for p in staged_objects.rglob("*") if p.is_file()):
            objects.write_raw(path.relative_to(staged_objects).as_posix(), path.read_bytes())
            summary.objects += 1
            summary.file_bytes += path.stat().st_size


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

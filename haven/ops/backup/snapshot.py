"""A consistent snapshot of the database (SQLite online backup or pg_dump) and the list of
stored files."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _

from haven.ops.backup.archive import BackupError, Installation


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

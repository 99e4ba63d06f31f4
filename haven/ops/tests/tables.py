"""Every row of every table, for comparing two databases exactly."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from psycopg import sql

from haven.ops.backup.target import _pg_connect


def _sortable(row: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(repr(v) for v in row)


def sqlite_rows(path: str | Path) -> dict[str, list[tuple[Any, ...]]]:
    db = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        return {
            t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=_sortable)  # noqa: S608
            for t in tables
        }
    finally:
        db.close()


def pg_rows(database: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    with _pg_connect(database) as conn, conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        tables = [r[0] for r in cur.fetchall()]
        found = {}
        for table in tables:
            cur.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table)))
            found[table] = sorted(cur.fetchall(), key=_sortable)
        cur.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
        )
        found["<sequences>"] = cur.fetchall()
        return found


def files_under(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }

"""The leak scan: plant unique markers in sealed fields, then look for them everywhere at rest.

    markers = Markers()
    name = markers.new("name")          # a unique string to store in a sealed field
    ... create records through the real actions, commit (transactional_db) ...
    assert_no_leaks(markers, log_text=captured_logs)

Scans the SQLite database file and its WAL, or a pg_dump of the PostgreSQL test database, and
the log text captured during the test. Any occurrence of any marker is a failure. Markers are
checked as UTF-8 and as UTF-16 (some dumps), in Cyrillic and Latin.
"""

from __future__ import annotations

import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection


@dataclass
class Markers:
    values: list[str] = field(default_factory=list)

    def new(self, label: str = "m", *, cyrillic: bool = False) -> str:
        token = secrets.token_hex(6)
        value = f"{'МАРКЕР' if cyrillic else 'MARKER'}-{label}-{token}"
        self.values.append(value)
        return value


def database_bytes() -> bytes:
    """Everything the test database holds, as bytes at rest."""
    vendor = connection.vendor
    if vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        if not name.exists():
            raise AssertionError(
                f"the SQLite test database must be a file to be scanned, got {name}"
            )
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(FULL)")
        blobs = [name.read_bytes()]
        for suffix in ("-wal", "-journal", "-shm"):
            extra = Path(str(name) + suffix)
            if extra.exists():
                blobs.append(extra.read_bytes())
        return b"".join(blobs)
    if vendor == "postgresql":
        from haven.testing.pgcluster import pg_binary

        s = connection.settings_dict
        cmd = [
            pg_binary("pg_dump"),
            "-h",
            s["HOST"] or "127.0.0.1",
            "-p",
            str(s["PORT"] or 5432),
            "-U",
            s["USER"],
            "-d",
            s["NAME"],
        ]
        dump = subprocess.run(cmd, check=True, capture_output=True).stdout
        if b"CREATE TABLE" not in dump:
            raise AssertionError("pg_dump returned no schema: the scan would prove nothing")
        return dump
    raise AssertionError(f"no leak scan for {vendor}")


def object_storage_bytes() -> dict[str, bytes]:
    """Every object Haven put in its sealed storage, as the storage holds it (the raw bytes a
    thief of the bucket would get), one haystack per object. Empty unless HAVEN_STORAGE sends
    files there."""
    from haven.vault import objects

    if not objects.enabled():
        return {}
    return {f"object {name}": objects.read_raw(name) for name in objects.all_names()}


def find_leaks(markers: Markers, *, haystacks: dict[str, bytes]) -> list[str]:
    found = []
    for where, data in haystacks.items():
        for marker in markers.values:
            for encoding in ("utf-8", "utf-16-le"):
                if marker.encode(encoding) in data:
                    found.append(f"{marker!r} in {where} ({encoding})")
    return found


def assert_no_leaks(
    markers: Markers, *, log_text: str = "", extra: dict[str, bytes] | None = None
) -> None:
    if not markers.values:
        raise AssertionError("no markers planted: the scan would prove nothing")
    haystacks = {"database": database_bytes(), "logs": log_text.encode("utf-8")}
    haystacks.update(object_storage_bytes())
    haystacks.update(extra or {})
    leaks = find_leaks(markers, haystacks=haystacks)
    assert not leaks, "identifying data found in plaintext: " + "; ".join(leaks)

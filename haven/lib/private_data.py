"""What Haven writes to disk is for its own user alone (issue 14, finding 13).

The database (SQLite under the data dir), its WAL, the stored files, the admission lock files and
the backup staging folders all hold ciphertext, but also metadata (who works on what, when) and
the sealed keys that a password guess would open. A world-readable file hands that to every
other account on the machine. Every Haven process therefore starts with umask 077 (files 0600,
directories 0700), and closes a data dir that an older version or a careless `mkdir` left open.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
# collectstatic writes the public stylesheet, which nginx (another user) must read.
PUBLIC_COMMANDS = frozenset({"collectstatic"})
_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def start_private(command: str | None = None) -> None:
    """Set the umask for this process and tighten the data dir. Called first thing by the
    `haven` console script (and manage.py) and by the WSGI module."""
    os.umask(0o022 if command in PUBLIC_COMMANDS else PRIVATE_UMASK)
    from django.conf import settings

    sqlite = []
    for db in settings.DATABASES.values():
        if db.get("ENGINE", "").endswith("sqlite3") and db.get("NAME"):
            sqlite.append(Path(str(db["NAME"])))
    tighten_data_dir(Path(settings.DATA_DIR), sqlite_files=sqlite)


def _open_to_others(path: Path) -> bool:
    return bool(stat.S_IMODE(path.lstat().st_mode) & 0o077)


def _close(path: Path) -> None:
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        return  # a link's own mode means nothing; what it points to is not ours to change
    os.chmod(path, 0o700 if stat.S_ISDIR(mode) else 0o600)


def tighten_data_dir(data_dir: Path, *, sqlite_files: list[Path]) -> None:
    """Create the data dir 0700 if missing. If it was open to others, close it and everything
    under it, once (a walk of every stored file at each start would cost too much). The SQLite
    files are checked on every start: they may live outside the data dir."""
    try:
        if not data_dir.exists():
            data_dir.mkdir(mode=0o700, parents=True)
        elif data_dir.is_dir() and _open_to_others(data_dir):
            for root, dirs, files in os.walk(data_dir):
                for name in dirs + files:
                    _close(Path(root) / name)
            _close(data_dir)
        for db in sqlite_files:
            for suffix in _SQLITE_SUFFIXES:
                path = db.with_name(db.name + suffix)
                if path.exists() and _open_to_others(path):
                    _close(path)
    except PermissionError:
        # Not ours (e.g. an operator's read-only command as another user): the umask still
        # holds for what this process writes, and the owner's own processes close it.
        pass

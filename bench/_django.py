"""Start Django for a benchmark script on a throwaway database (SQLite unless DATABASE_URL)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def setup(*, fast_argon2: bool = False, database: Path | None = None) -> Path:
    """`database`: a SQLite file built by an earlier run, copied into the throwaway directory
    (and migrated) so that a big dataset is built once. HAVEN_BENCH_CODE names another checkout
    whose `haven` package is measured instead of this one's (a baseline in the same session)."""
    root = Path(os.environ.get("HAVEN_BENCH_CODE") or Path(__file__).resolve().parent.parent)
    sys.path.insert(0, str(root))
    data = Path(tempfile.mkdtemp(prefix="haven-bench-"))
    os.environ.setdefault("HAVEN_DATA_DIR", str(data))
    if database is not None and database.exists():
        import shutil

        shutil.copyfile(database, Path(os.environ["HAVEN_DATA_DIR"]) / "haven.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
    if fast_argon2:
        os.environ.setdefault("HAVEN_ARGON2_OPSLIMIT", "1")
        os.environ.setdefault("HAVEN_ARGON2_MEMLIMIT", str(8 * 1024 * 1024))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return data


def snapshot(database: Path) -> None:
    """Keep the database as it is now for later runs (`setup(database=...)`); SQLite only."""
    from django.db import connection

    database.parent.mkdir(parents=True, exist_ok=True)
    database.unlink(missing_ok=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(database)])


def median(values: list[float]) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
    return s[k]

"""Start Django for a benchmark script on a throwaway database (SQLite unless DATABASE_URL)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def setup(*, fast_argon2: bool = False) -> Path:
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    data = Path(tempfile.mkdtemp(prefix="haven-bench-"))
    os.environ.setdefault("HAVEN_DATA_DIR", str(data))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
    if fast_argon2:
        os.environ.setdefault("HAVEN_ARGON2_OPSLIMIT", "1")
        os.environ.setdefault("HAVEN_ARGON2_MEMLIMIT", str(8 * 1024 * 1024))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return data


def median(values: list[float]) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
    return s[k]

"""The crash-safety harness (bench/crash_safety.py), short: a real gunicorn serving the portal is
killed with SIGKILL while people submit and check in, and every acknowledged item must be in the
database afterwards and open. The full runs and their figures are in docs/BENCHMARKS.md."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# The harness runs against the pass's database (bench/crash_safety.py --db).
pytestmark = [pytest.mark.slow, pytest.mark.database]


def _harness(*args: str) -> subprocess.CompletedProcess[str]:
    db = "postgres" if os.environ.get("HAVEN_TEST_DB") == "postgresql" else "sqlite"
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / "crash_safety.py"), "--db", db, "--fast-codenames"]
        + list(args),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _count(pattern: str, text: str) -> int:
    match = re.search(pattern, text)
    assert match, text
    return int(match.group(1))


def test_nothing_acknowledged_is_lost_when_the_server_is_killed() -> None:
    run = _harness("--seconds", "12", "--kills", "2", "--submitters", "4", "--checkers", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    assert _count(r"(\d+) kills", run.stdout) >= 1
    assert _count(r"acknowledged: (\d+) submissions", run.stdout) > 0
    assert _count(r"(\d+) check-ins,", run.stdout) > 0
    assert _count(r"lost (\d+)", run.stdout) == 0


@pytest.mark.engine_independent  # the harness's own verdict; the real run above covers both
def test_the_harness_reports_acknowledged_items_that_were_never_committed() -> None:
    run = _harness(
        "--seconds", "2", "--kills", "0", "--submitters", "2", "--checkers", "1", "--sabotage"
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert _count(r"lost (\d+)", run.stdout) > 0
    assert "LOST submission" in run.stdout

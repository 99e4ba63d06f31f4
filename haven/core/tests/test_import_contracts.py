"""The import contracts bite (pyproject.toml, [tool.importlinter]; docs/architecture.md).

`scripts/test` runs `lint-imports` on the code as it is. These tests add one forbidden arrow to a
copy of the code and check that the contract meant to catch it fails, so that a contract loosened
until it matches nothing (a broad ignore, a renamed room) cannot keep passing in silence; and that
an arrow through a declared public module is allowed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

pytestmark = pytest.mark.slow


def _lint(tmp_path: Path, appended: dict[str, str], new_files: tuple[str, ...] = ()) -> str:
    """lint-imports on a copy of the package with `appended` lines added to the end of files;
    the report, with the exit code on its last line."""
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT / "haven",
        copy / "haven",
        ignore=shutil.ignore_patterns(
            "__pycache__", "locale", "static", "templates", "vendor", "data", "*.mo", "*.po"
        ),
    )
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    for path in new_files:
        (copy / path).write_text('"""A door for the test."""\n')
    for path, line in appended.items():
        with (copy / path).open("a") as f:
            f.write(f"\n{line}  # noqa\n")
    # A wide console, so that a long contract name is not wrapped onto two lines.
    env = {**os.environ, "PYTHONPATH": str(copy), "COLUMNS": "400"}
    done = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return f"{done.stdout}{done.stderr}\nexit {done.returncode}"


def _broken(report: str) -> list[str]:
    return [
        line
        for line in report.splitlines()
        if line.rstrip().endswith("BROKEN") or "BROKEN (" in line
    ]


def test_the_contracts_hold_on_the_code_as_it_is(tmp_path: Path) -> None:
    report = _lint(tmp_path, {})
    assert report.endswith("exit 0"), report
    assert "Contracts: 8 kept, 0 broken." in report


@pytest.mark.parametrize(
    ("path", "line", "contract"),
    [
        ("haven/lib/references.py", "from haven.cases import models", "haven.lib imports no app"),
        (
            "haven/vault/models.py",
            "from haven.missing import models",
            "haven.vault and haven.audit import no domain app",
        ),
        ("haven/audit/log.py", "from haven.accounts import actions", "Layers:"),
        (
            "haven/alerts/grouping.py",
            "from haven.vault import keyring",
            "The alert outbox imports no vault",
        ),
        (
            "haven/reports/views.py",
            "from haven.safety import views",
            "Domain apps import each other only through",
        ),
        ("haven/core/registry.py", "from haven.vault import models", "The app registry"),
        (
            "haven/cases/public.py",
            "from haven.cases import views",
            "A domain app's public module reaches no view module",
        ),
    ],
)
def test_a_forbidden_arrow_fails_the_contract_that_forbids_it(
    tmp_path: Path, path: str, line: str, contract: str
) -> None:
    report = _lint(tmp_path, {path: line})
    assert report.endswith("exit 1"), report
    assert any(contract in b for b in _broken(report)), report


def test_two_rooms_importing_each_other_fail_the_cycle_contract(tmp_path: Path) -> None:
    report = _lint(
        tmp_path,
        {
            "haven/ops/retention.py": "from haven.reports import figures",
            "haven/reports/views.py": "from haven.ops import wipe",
        },
    )
    assert report.endswith("exit 1"), report
    assert any("No import cycle" in b for b in _broken(report)), report


def test_a_domain_room_may_import_another_through_its_public_module(tmp_path: Path) -> None:
    report = _lint(
        tmp_path,
        {"haven/reports/views.py": "from haven.safety import public"},
        new_files=("haven/safety/public.py",),
    )
    assert report.endswith("exit 0"), report

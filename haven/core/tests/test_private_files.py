"""Haven's files are for its own user alone, and a refused request is one log line (issue 14,
finding 13)."""

from __future__ import annotations

import io
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[3]


def _haven(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DATABASE_URL"))}
    env |= {"HAVEN_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "haven.settings"}
    return subprocess.run(
        [sys.executable, "-m", "haven.cli", *args],
        cwd=ROOT,
        env=env,
        umask=0o022,  # what a shell usually hands down: files 0644, directories 0755
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def _modes(top: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(top.stat().st_mode)}
    for path in top.rglob("*"):
        found[str(path.relative_to(top))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def test_a_haven_command_creates_the_data_dir_and_the_database_for_its_user_alone(
    tmp_path: Path,
) -> None:
    data = tmp_path / "var"
    run = _haven(data, "check", "--database", "default")  # connects: creates the SQLite files
    assert run.returncode == 0, run.stderr
    modes = _modes(data)
    assert "haven.sqlite3" in modes
    for name, mode in modes.items():
        is_dir = (data / name).is_dir()
        assert mode == (0o700 if is_dir else 0o600), (name, oct(mode))


def test_a_haven_command_closes_a_data_dir_that_others_could_read(tmp_path: Path) -> None:
    data = tmp_path / "var"
    (data / "files" / "ab").mkdir(parents=True)
    for path in (data / "haven.sqlite3", data / "haven.sqlite3-wal", data / "files" / "ab" / "x"):
        path.write_bytes(b"")
        path.chmod(0o644)
    for path in (data, data / "files", data / "files" / "ab"):
        path.chmod(0o755)
    run = _haven(data, "check")
    assert run.returncode == 0, run.stderr
    assert _modes(data) == {
        ".": 0o700,
        "files": 0o700,
        "files/ab": 0o700,
        "files/ab/x": 0o600,
        "haven.sqlite3": 0o600,
        "haven.sqlite3-wal": 0o600,
    }


def test_the_web_application_writes_files_for_its_user_alone(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DATABASE_URL"))}
    env["HAVEN_DATA_DIR"] = str(tmp_path / "var")
    run = subprocess.run(
        [sys.executable, "-c", "import os, haven.wsgi; print(oct(os.umask(0o022)))"],
        cwd=ROOT,
        env=env,
        umask=0o022,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "0o77"
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700


@pytest.mark.django_db
def test_a_request_for_a_host_not_allowed_is_one_log_line_without_the_address() -> None:
    # Every handler of the settings that the record could reach (security, root stderr).
    handlers = {
        h
        for name in ("django.security.DisallowedHost", "django.security", "")
        for h in logging.getLogger(name).handlers
        if type(h) is logging.StreamHandler  # not pytest's own capture handlers
    }
    seen = io.StringIO()
    before = {h: h.setStream(seen) for h in handlers}
    try:
        response = Client().get("/", HTTP_HOST="203.0.113.9")
    finally:
        for h, stream in before.items():
            h.setStream(stream)
    assert response.status_code == 400
    lines = seen.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "DisallowedHost" in lines[0] and "HAVEN_ALLOWED_HOSTS" in lines[0]
    assert "203.0.113.9" not in lines[0]

"""`haven restore` as an operator runs it: a separate process on a fresh installation."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from haven.accounts.models import StaffSession
from haven.ops.backup import create_backup

pytestmark = pytest.mark.django_db(transaction=True)


def haven(*args: str, data_dir: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HAVEN_MEDIA_ROOT")}
    env |= {"HAVEN_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "haven.settings"}
    return subprocess.run(
        [sys.executable, "-c", "from haven.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


def test_restore_ends_every_session_appends_to_the_audit_chain_and_it_still_verifies(
    personas, a_case, client_for, age_key, tmp_path: Path, settings
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the command drill runs once, in the SQLite pass")
    settings.MEDIA_ROOT = tmp_path / "media"
    client_for(personas.caseworker)  # a live session that the backup will carry
    assert StaffSession.objects.exists()
    public, identity = age_key
    create_backup(tmp_path / "b.age", [public], progress=False)

    fresh = tmp_path / "fresh"
    result = haven("restore", str(tmp_path / "b.age"), "--identity", str(identity), data_dir=fresh)
    assert result.returncode == 0, result.stderr
    assert (
        "Audit chain verified" in result.stdout
        or "Цепочка журнала аудита проверена" in result.stdout
    )
    db = sqlite3.connect(fresh / "haven.sqlite3")
    assert db.execute("SELECT count(*) FROM accounts_staffsession").fetchone()[0] == 0
    last = db.execute("SELECT action FROM audit_auditevent ORDER BY id DESC LIMIT 1").fetchone()
    assert last == ("backup.restore",)
    db.close()
    verify = haven("audit", "verify", data_dir=fresh)
    assert verify.returncode == 0 and "intact" in verify.stdout

    again = haven("restore", str(tmp_path / "b.age"), "--identity", str(identity), data_dir=fresh)
    assert again.returncode != 0
    assert "Traceback" not in again.stderr
    assert "not empty" in again.stderr or "не пуста" in again.stderr


def test_operator_mistakes_end_in_one_clear_line(tmp_path: Path, db) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "sqlite":
        pytest.skip("the command drill runs once, in the SQLite pass")
    cases = [
        (("backup", "--to", str(tmp_path / "x.age")), "recipient"),
        (("restore", str(tmp_path / "x.age"), "--identity", str(tmp_path / "k")), "/k"),
    ]
    for args, expected in cases:
        result = haven(*args, data_dir=tmp_path / "inst")
        assert result.returncode != 0, args
        assert "Traceback" not in result.stderr, result.stderr
        assert expected in result.stderr, (args, result.stderr)

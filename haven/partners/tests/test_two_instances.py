"""Two Haven instances on loopback exchange a referral end to end: two databases (each its own
HAVEN_DATA_DIR and SQLite file), two real servers (gunicorn), two coordinator drivers
(instance_driver.py). Refer (with consent and a second coordinator's approval), accept, reply
(accepted, then completed), revoke and destroy, each answer travelling back signed over HTTP;
and the refusal, by the receiving server, of a package replayed, tampered with, or sealed to
another organisation's key. The servers' logs must not contain the person's name.

The instances always use SQLite files, whatever DATABASE_URL the suite runs with: the point is
two separate databases, and a fresh PostgreSQL pair would cost more than the test."""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The suite's test database must exist (pytest-django sets it up only for tests that ask for
# one): it is copied as each instance's empty database.
pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
NAME = "Зелимхан"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(port: int, body: bytes) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST", "/partners/inbox/", body=body, headers={"Content-Type": "application/json"}
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


class Instance:
    def __init__(self, label: str, base: Path, env: dict[str, str]) -> None:
        self.label, self.port = label, _free_port()
        self.data = base / label
        self.env = {**env, "HAVEN_DATA_DIR": str(self.data)}
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = base / f"{label}-server.log"
        self.server: subprocess.Popen[bytes] | None = None
        self.driver: subprocess.Popen[str] | None = None

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "haven.wsgi:application",
                 "-b", f"127.0.0.1:{self.port}", "-k", "gthread", "-w", "1", "--threads", "4",
                 "--log-level", "info", "--access-logfile", "-"],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.driver = subprocess.Popen(
            [sys.executable, "-m", "haven.partners.tests.instance_driver"],
            env=self.env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip

    def wait_up(self) -> None:
        # Generous: on a loaded machine Django's start takes tens of seconds.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert self.server is not None and self.server.poll() is None, self.log.read_text()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/partners/inbox/")
                if conn.getresponse().status == 405:
                    return
            except OSError:
                time.sleep(0.1)  # the server is still starting: nothing to wait on but the port
        raise AssertionError(f"{self.label} did not start")

    def __call__(self, cmd: str, **args: Any) -> Any:
        assert self.driver is not None and self.driver.stdin and self.driver.stdout
        self.driver.stdin.write(json.dumps({"cmd": cmd, "args": args}) + "\n")
        self.driver.stdin.flush()
        answer = json.loads(self.driver.stdout.readline())
        assert answer["ok"], f"{self.label} {cmd}: {answer.get('trace') or answer}"
        return answer["result"]

    def stop(self) -> None:
        for proc in (self.driver, self.server):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()


def _empty_database(target: Path, env: dict[str, str], django_db_blocker: Any) -> None:
    """An empty, migrated SQLite file for one instance. On SQLite the suite's own test database
    (migrated once for the session, emptied after every test) is copied with SQLite's backup
    API, which saves a migrate (20 s of CPU); otherwise the instance is migrated."""
    from django.db import connection

    target.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        with django_db_blocker.unblock():
            connection.ensure_connection()
            copy = sqlite3.connect(target)
            try:
                connection.connection.backup(copy)
            finally:
                copy.close()
            connection.close()
        return
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True
    )


@pytest.fixture(scope="module")
def instances(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[Instance, Instance]]:
    base = Path(tempfile.mkdtemp(prefix="haven-partners-"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "haven.settings",
        "HAVEN_ARGON2_OPSLIMIT": "1",
        "HAVEN_ARGON2_MEMLIMIT": str(8 * 1024 * 1024),
        "HAVEN_PARTNER_ALLOW_HTTP": "1",
        "HAVEN_LOG_LEVEL": "INFO",
    }
    a, b = Instance("a", base, env), Instance("b", base, env)
    # One empty database, copied: the two instances share no row, only a schema.
    _empty_database(a.data / "haven.sqlite3", a.env, django_db_blocker)
    shutil.copytree(a.data, b.data)
    try:
        a.start()
        b.start()
        a.wait_up()
        b.wait_up()
        yield a, b
    finally:
        a.stop()
        b.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_two_instances_refer_accept_reply_revoke_and_refuse_bad_packages(instances) -> None:  # type: ignore[no-untyped-def]
    a, b = instances
    keys_a, keys_b = a("setup", name="A"), b("setup", name="B")
    partner_b = a(
        "add_partner", name="Org B", url=b.url, age=keys_b["age"], verify=keys_b["verify"]
    )
    b("add_partner", name="Org A", url=a.url, age=keys_a["age"], verify=keys_a["verify"])

    # Refer: identified data waits for the second coordinator, then leaves over HTTP.
    sent = a("refer", partner=partner_b["partner"], given_name=NAME)
    assert sent["before_approval"] == "awaiting_approval"
    assert sent["status"] == "sent" and sent["undelivered"] == []
    [received] = b("incoming")
    assert (received["status"], received["purpose"]) == ("pending", "referral")

    # The receiving server refuses: the same package again, a changed one, one sealed to
    # someone else. Nothing new lands.
    original = base64.b64decode(a("package", referral=sent["referral"])["data"])
    assert _post(b.port, original) == (409, {"error": "replayed"})
    tampered = json.loads(original)
    tampered["id"] = "00000000-0000-4000-8000-000000000001"  # a fresh id: not a replay
    assert _post(b.port, json.dumps(tampered).encode()) == (403, {"error": "bad_signature"})
    foreign = base64.b64decode(a("foreign_package")["data"])
    assert _post(b.port, foreign) == (400, {"error": "wrong_recipient"})
    assert _post(b.port, b"x" * 10) == (400, {"error": "bad_format"})
    assert len(b("incoming")) == 1

    # Accept: a new case on B's side, sealed to B's vault; the answer comes back to A.
    assert b("accept", incoming_id=received["id"]) == {"given_name": NAME}
    answered = a("status", referral=sent["referral"])
    assert answered["status"] == "accepted" and answered["answers"] == ["we have a place"]
    b("complete", incoming_id=received["id"])
    assert a("status", referral=sent["referral"])["status"] == "completed"

    # Revoke: B is asked to destroy, destroys (the case's keys go), and says so.
    revoked = a("revoke", referral=sent["referral"])
    assert revoked["status"] == "revoked" and revoked["undelivered"] == []
    [asked] = b("incoming")
    assert asked["revoked"] is True
    assert b("destroy", incoming_id=received["id"]) == {
        "status": "destroyed",
        "case_vault_shredded": True,
    }
    final = a("status", referral=sent["referral"])
    assert final["destroyed"] is True and final["undelivered"] == []

    for instance in (a, b):
        log = instance.log.read_text(encoding="utf-8", errors="replace")
        assert "/partners/inbox/" in log  # the access log is there, and it is clean:
        assert NAME not in log and "we have a place" not in log

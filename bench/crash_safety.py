"""Crash safety of the portal (issue 9, invariant 5): what a person saw acknowledged survives the
server being killed.

    uv run python bench/crash_safety.py --db sqlite --seconds 120 --kills 20
    uv run python bench/crash_safety.py --db postgres --seconds 120 --kills 20

The real WSGI app (`haven.wsgi`) under gunicorn (2 gthread workers × 8 threads) on 127.0.0.1,
on a throwaway database: SQLite in WAL mode (the settings' pragmas: synchronous=FULL), or
PostgreSQL 15 (a throwaway cluster from haven.testing.pgcluster, or a fresh database on the
server DATABASE_URL names). While clients submit help requests through the portal form
(GET /help/ for the form token, POST /help/, the codename read from the answer page) and check in
from the portal with their PIN (signed in with their codename; now and then a panic press), the
whole server process group (master and workers) is killed with SIGKILL at random moments and
started again. At the end, every acknowledged item is looked up:

- a submission is acknowledged when its codename page came back (200 with the codename). It
  counts as kept when its codename derives a lookup id that finds an identity, that identity has
  exactly one request, the request's message opens with a staff keyring holding the intake vault
  and reads the text that was sent, and the person's copy opens with the codename's key;
- a check-in is acknowledged when the page said "Thank you. You are checked in."; a panic press
  when the "We have been alerted" page came back. Per watch, the database must hold at least as
  many portal check-ins (and panic incidents) as were acknowledged.

Anything acknowledged and not found is a loss; the script exits 1 if there is one. What is not
covered: killing the database server itself (PostgreSQL's own crash recovery; the throwaway
cluster runs with fsync=off) and power loss (SIGKILL leaves the OS page cache intact).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CODENAME = re.compile(r'<p class="codename"[^>]*><strong>([^<]+)</strong>')
CHECKED_IN = "Thank you. You are checked in."
ALERTED = "We have been alerted"
PIN = "2468"
TIMEOUT = 30.0
PASSWORD = "crash-safety bench password, throwaway installation"  # noqa: S105


# --- HTTP -------------------------------------------------------------------------------------


def request(
    port: int, method: str, path: str, fields: dict[str, str] | None = None, cookie: str = ""
) -> tuple[int, str, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        headers = {"Accept-Language": "en"}
        body = None
        if fields is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(fields).encode()
        if cookie:
            headers["Cookie"] = cookie
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, text, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the server -------------------------------------------------------------------------------


class Server:
    """gunicorn in its own process group, so that one SIGKILL takes master and workers at once.
    `root`: the checkout whose `haven` it serves (another one for a baseline, HAVEN_BENCH_CODE)."""

    def __init__(
        self,
        env: dict[str, str],
        port: int,
        app: str = "haven.wsgi:application",
        root: Path = ROOT,
    ) -> None:
        self.env, self.port, self.app, self.root = env, port, app, root
        self.proc: subprocess.Popen[bytes] | None = None
        self.up = threading.Event()

    def start(self) -> float:
        began = time.monotonic()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--pythonpath",
                f"{HERE},{self.root}",
                self.app,
                "-b",
                f"127.0.0.1:{self.port}",
                "-k",
                "gthread",
                "-w",
                "2",
                "--threads",
                "8",
                "--log-level",
                "critical",
            ],
            env=self.env,
            cwd=self.root,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/")[0] == 200:
                    self.up.set()
                    return time.monotonic() - began
            except (OSError, http.client.HTTPException):
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited while starting")
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.up.clear()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(30)
        # Workers are in the same group; make sure none outlives the master before restarting.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


# --- the clients ------------------------------------------------------------------------------


@dataclass
class Ledger:
    lock: threading.Lock = field(default_factory=threading.Lock)
    submissions: list[tuple[str, str]] = field(default_factory=list)  # (codename, text)
    checkins: dict[str, int] = field(default_factory=dict)  # codename -> acknowledged
    panics: dict[str, int] = field(default_factory=dict)
    failed: int = 0  # requests that got no acknowledgement (cut off by a kill, or refused)
    refused: int = 0  # connections refused while the server was down


class Deadline:
    """When the load stops; restarts push it back (see run())."""

    def __init__(self, seconds: float) -> None:
        self._at = time.monotonic() + seconds
        self._lock = threading.Lock()

    def extend(self, seconds: float) -> None:
        with self._lock:
            self._at += seconds

    def left(self) -> float:
        return max(0.0, self._at - time.monotonic())

    def passed(self) -> bool:
        return self.left() == 0.0


def submitter(port: int, stop: Deadline, ledger: Ledger, n: int, rng: random.Random) -> None:
    # A form whose answer was cut off (the kill landed mid-request) is sent again as it was, same
    # token and same text, as a person pressing "send" again would: the help form is idempotent
    # on its token, so if the first post was saved the retry shows that request's codename. (A
    # retry with new text under the old token would be answered with the first text's codename.)
    fields: dict[str, str] = {}
    i = 0
    while not stop.passed():
        try:
            if not fields:
                status, page, _h = request(port, "GET", "/help/?lang=ru")
                match = TOKEN.search(page)
                if status != 200 or not match:
                    raise OSError(f"help page {status}")
                text = (
                    f"Прошу помощи, запрос {n}-{i} {uuid.uuid4()}. Меня ищут, я у знакомых, "
                    "долго здесь оставаться нельзя. " * rng.randint(1, 4)
                ).strip()  # the form strips what it is sent
                fields = {"text": text, "felt_urgency": rng.choice(["now", "days", "weeks"])}
                fields |= {"contact": "", "form_token": match.group(1)}
            status, page, _h = request(port, "POST", "/help/?lang=ru", fields)
            match = CODENAME.search(page)
            sent, fields = fields, {}  # answered: the next request comes from a fresh form
            if status == 200 and match:
                with ledger.lock:
                    ledger.submissions.append((match.group(1), sent["text"]))
            else:
                with ledger.lock:
                    ledger.failed += 1
        except ConnectionRefusedError:
            with ledger.lock:
                ledger.refused += 1
            time.sleep(0.1)
        except (OSError, http.client.HTTPException):
            with ledger.lock:
                ledger.failed += 1
            time.sleep(0.05)
        i += 1


def checker(port: int, stop: Deadline, ledger: Ledger, codename: str, rng: random.Random) -> None:
    cookie = ""
    while not stop.passed():
        try:
            if not cookie:
                status, page, _h = request(port, "GET", "/enter/?lang=en")
                match = TOKEN.search(page)
                if status != 200 or not match:
                    raise OSError(f"enter page {status}")
                fields = {"codename": codename, "form_token": match.group(1)}
                status, _p, headers = request(port, "POST", "/enter/?lang=en", fields)
                if status != 302 or "set-cookie" not in headers:
                    raise OSError(f"sign-in {status}")
                cookie = headers["set-cookie"].split(";", 1)[0]
            panic = rng.random() < 0.1
            # Panic is confirmed on its own page (the second press posts confirm=1).
            path, fields = ("/panic/", {"confirm": "1"}) if panic else ("/checkin/", {"pin": PIN})
            status, page, _h = request(port, "POST", f"{path}?lang=en", fields, cookie)
            if status == 302:  # signed out (should not happen: sessions are rows)
                cookie = ""
                raise OSError("portal session lost")
            acknowledged = status == 200 and (ALERTED in page if panic else CHECKED_IN in page)
            with ledger.lock:
                if acknowledged:
                    counts = ledger.panics if panic else ledger.checkins
                    counts[codename] = counts.get(codename, 0) + 1
                else:
                    ledger.failed += 1
        except ConnectionRefusedError:
            with ledger.lock:
                ledger.refused += 1
            time.sleep(0.1)
        except (OSError, http.client.HTTPException):
            with ledger.lock:
                ledger.failed += 1
            time.sleep(0.05)


# --- the installation and the verdict ---------------------------------------------------------


def prepare(people: int) -> list[str]:
    """Staff, the intake vault, and `people` persons with a case, a watch and a codename."""
    from haven.accounts.actions import create_staff_user
    from haven.cases import actions as case_actions
    from haven.intake import actions as intake_actions
    from haven.intake.models import PortalIdentity
    from haven.safety import actions as safety_actions
    from haven.vault.keyring import Keyring
    from haven.vault.userkeys import unwrap_user_key

    def keyring(username: str, roles: list[str]) -> Keyring:
        user = create_staff_user(actor=None, username=username, roles=roles, password=PASSWORD).user
        private = unwrap_user_key(user, PASSWORD)
        assert private is not None
        return Keyring(user, private)

    coordinator = keyring("coordinator", ["coordinator"])
    intake_actions.set_up_intake_vault(actor=coordinator.user, keyring=coordinator)
    caseworker = keyring("caseworker", ["caseworker"])
    codenames = []
    for _ in range(people):
        submission = intake_actions.submit_request(
            text="помогите", felt_urgency="now", contact="", files=[], language="ru"
        )
        case = case_actions.create_case(keyring=caseworker, risk="high")
        safety_actions.save_watch(
            actor=caseworker.user,
            case=case,
            interval_minutes=12 * 60,
            fixed_times=[],
            time_zone="Europe/Moscow",
            grace_minutes=30,
            pin=PIN,
        )
        PortalIdentity.objects.filter(pk=submission.request.identity_id).update(case=case)
        codenames.append(submission.codename)
    return codenames


def verify(ledger: Ledger, codenames: list[str]) -> dict[str, int]:
    from django.db import connections

    from haven.accounts.models import User
    from haven.intake import portal
    from haven.intake.models import HelpRequest, Message, PersonCopy, PortalIdentity
    from haven.lib.codenames import normalise_codename
    from haven.safety.models import CheckIn, SafetyIncident, Watch
    from haven.vault.keyring import Keyring
    from haven.vault.userkeys import unwrap_user_key

    connections.close_all()
    coordinator = User.objects.get(username="coordinator")
    private = unwrap_user_key(coordinator, PASSWORD)
    assert private is not None
    ring = Keyring(coordinator, private)
    lost = {"submissions": 0, "checkins": 0, "panics": 0}
    for codename, text in ledger.submissions:
        keys = portal.derive_keys(normalise_codename(codename))
        identity = PortalIdentity.objects.filter(lookup_id=keys.lookup_id).first()
        requests = list(HelpRequest.objects.filter(identity=identity)) if identity else []
        ok, why = len(requests) == 1, f"{len(requests)} requests for its codename"
        if ok:
            why = "does not open to the text sent"
            message = Message.objects.filter(request=requests[0], direction="in").first()
            copy = PersonCopy.objects.filter(message=message).first() if message else None
            ok = (
                message is not None
                and copy is not None
                and ring.open(requests[0].vault).unseal(message, "body") == text
                and keys.unseal(copy, "body") == text
            )
        if not ok:
            lost["submissions"] += 1
            if lost["submissions"] <= 10:
                ref = requests[0].reference if requests else "(no identity)"
                print(f"  LOST submission {ref}: {why}")
    for codename in codenames:
        identity = PortalIdentity.objects.get(
            lookup_id=portal.derive_keys(normalise_codename(codename)).lookup_id
        )
        watch = Watch.objects.get(case_id=identity.case_id)
        stored = CheckIn.objects.filter(watch=watch, method="portal").count()
        panics = SafetyIncident.objects.filter(case_id=identity.case_id, kind="panic").count()
        lost["checkins"] += max(0, ledger.checkins.get(codename, 0) - stored)
        lost["panics"] += max(0, ledger.panics.get(codename, 0) - panics)
    return lost


def _fresh_postgres_database(url: str) -> str:
    import psycopg

    name = f"haven_crash_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")  # a generated name, not input
    return url.rsplit("/", 1)[0] + "/" + name


def run(args: argparse.Namespace) -> int:
    data = tempfile.mkdtemp(prefix="haven-crash-")
    env = {
        **os.environ,
        "HAVEN_DATA_DIR": data,
        "HAVEN_LOG_LEVEL": "CRITICAL",
        # Admission control would turn some submissions away (never acknowledged, so harmless
        # to the verdict): open it so that more requests are in flight when the kill lands.
        "HAVEN_INTAKE_NEW_CONCURRENCY": "0",
        "HAVEN_INTAKE_NEW_PER_SECOND": "0",
        "HAVEN_PORTAL_MIN_SECONDS": "0",
        "HAVEN_ARGON2_OPSLIMIT": "1",
        "HAVEN_ARGON2_MEMLIMIT": str(8 * 1024 * 1024),
    }
    if args.fast_codenames:
        env |= {
            "HAVEN_CODENAME_ARGON2_OPSLIMIT": "1",
            "HAVEN_CODENAME_ARGON2_MEMLIMIT": str(8 * 1024 * 1024),
        }
    if args.db == "postgres":
        env["DATABASE_URL"] = _fresh_postgres_database(os.environ["DATABASE_URL"])
    else:
        env.pop("DATABASE_URL", None)
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(HERE))
    from _django import setup

    setup()
    from django.db import connection, connections

    engine = connection.vendor
    if engine == "sqlite":
        with connection.cursor() as c:
            c.execute("PRAGMA journal_mode")
            engine += f" ({c.fetchone()[0]})"
    codenames = prepare(args.checkers)
    connections.close_all()

    rng = random.Random(args.seed)
    ledger = Ledger()
    app = "crash_sabotage_wsgi:application" if args.sabotage else "haven.wsgi:application"
    server = Server(env, _free_port(), app)
    start_times = [server.start()]
    stop = Deadline(args.seconds)
    threads = [
        threading.Thread(
            target=submitter, args=(server.port, stop, ledger, n, random.Random(rng.random()))
        )
        for n in range(args.submitters)
    ] + [
        threading.Thread(
            target=checker, args=(server.port, stop, ledger, c, random.Random(rng.random()))
        )
        for c in codenames
    ]
    for t in threads:
        t.start()
    kills = 0
    mean_up = args.seconds / max(1, args.kills)
    while not stop.passed():
        time.sleep(min(rng.uniform(0.3, 1.7) * mean_up, stop.left()))
        if stop.passed() or args.kills == 0:
            break
        server.kill()
        kills += 1
        start_times.append(server.start())
        # The load runs for --seconds of the server being up: on a slow or busy machine a restart
        # can take longer than the whole run, and no request can be acknowledged meanwhile.
        stop.extend(start_times[-1])
    for t in threads:
        t.join()
    server.stop()

    checkins = sum(ledger.checkins.values())
    panics = sum(ledger.panics.values())
    print(
        f"{engine}: {args.seconds:.0f} s, {kills} kills (SIGKILL to master and workers), "
        f"restart median {sorted(start_times)[len(start_times) // 2]:.1f} s; acknowledged: "
        f"{len(ledger.submissions)} submissions, {checkins} check-ins, {panics} panic presses; "
        f"{ledger.failed} requests cut off or refused, {ledger.refused} connections refused "
        "while the server was down",
        flush=True,
    )
    lost = verify(ledger, codenames)
    total = sum(lost.values())
    print(
        f"{engine}: lost {total} (submissions {lost['submissions']}, check-ins "
        f"{lost['checkins']}, panic presses {lost['panics']})",
        flush=True,
    )
    return 1 if total else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--kills", type=int, default=10, help="about this many kills")
    parser.add_argument("--submitters", type=int, default=8)
    parser.add_argument("--checkers", type=int, default=4, help="people checking in")
    parser.add_argument(
        "--sabotage",
        action="store_true",
        help="serve bench/crash_sabotage_wsgi.py, which acknowledges and rolls back: must fail",
    )
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--fast-codenames",
        action="store_true",
        help="cheap Argon2id for codenames (the smoke test); default: production parameters",
    )
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 30)
    print(f"seed {args.seed}", flush=True)
    if args.db == "postgres" and not os.environ.get("DATABASE_URL"):
        sys.path.insert(0, str(ROOT))
        from haven.testing.pgcluster import cluster

        with cluster() as url:
            os.environ["DATABASE_URL"] = url
            return run(args)
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())

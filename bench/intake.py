"""Issue 3 figures: the portal's submission endpoint under load, against real gunicorn processes
on 127.0.0.1.

    uv run python bench/intake.py [--rounds 3] [--seconds 20] [--clients 32]

1. Throughput and p50/p99 latency of POST /help/ at 32 concurrent clients (closed loop), with
   sealing on versus the same endpoint with sealing replaced by a plain write
   (bench/intake_wsgi.py, HAVEN_BENCH_PLAIN=1). Rounds alternate the two servers; admission
   control is opened wide for this part so that it measures the endpoint, not the budget.
2. A flood of new submissions at 10x the measured sealed capacity (open loop, a bounded pool of
   sender threads), while returning people with codenames read their page (GET /inbox/ with
   their portal cookie) and sign in again (POST /enter/). Reported: the share of returning
   requests that succeed (HTTP 200 / 302 within 10 s), with the default admission control and,
   for contrast, with admission control switched off. Also checked: every submission that got
   its codename page is in the database (nothing accepted is dropped).

Production Argon2id parameters for codenames (the settings' defaults); staff Argon2id is lowered
only to set up the throwaway installation quickly. SQLite (WAL, synchronous=FULL) unless
DATABASE_URL is set. The load generator shares the machine's cores with the server.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from _django import median, percentile
from _http import free_port
from _http import request as _request

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TEXT = (
    "Меня ищут родственники после того, как узнали про мои переписки. Брат сказал, что меня "
    "заберут в эти выходные. Я сейчас у подруги, но долго здесь оставаться нельзя. "
) * 5
TIMEOUT = 10.0


def request(
    port: int, method: str, path: str, body: str = "", cookie: str = ""
) -> tuple[int, str, dict[str, str]]:
    return _request(port, method, path, body, cookie, timeout=TIMEOUT)


# --- the installation --------------------------------------------------------------------------


def prepare(data_dir: str) -> None:
    """Run in a child process: a fresh database with an intake vault."""
    os.environ["HAVEN_DATA_DIR"] = data_dir
    sys.path.insert(0, str(HERE))
    from _django import setup

    setup(fast_argon2=True)
    from haven.accounts.actions import create_staff_user
    from haven.intake.actions import set_up_intake_vault
    from haven.vault.keyring import Keyring
    from haven.vault.userkeys import unwrap_user_key

    password = "bench password for a throwaway installation"  # noqa: S105
    user = create_staff_user(
        actor=None, username="coordinator", roles=["coordinator"], password=password
    ).user
    private = unwrap_user_key(user, password)
    assert private is not None
    set_up_intake_vault(actor=user, keyring=Keyring(user, private))


def count_requests(data_dir: str) -> None:
    os.environ["HAVEN_DATA_DIR"] = data_dir
    sys.path.insert(0, str(HERE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
    import django

    django.setup()
    from haven.intake.models import HelpRequest

    print(HelpRequest.objects.count())


def _child(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, str(HERE / "intake.py"), *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return out.stdout.strip()


@dataclass
class Server:
    data_dir: str
    plain: bool = False
    admission: bool = True
    workers: int = 2
    threads: int = 16
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None  # type: ignore[type-arg]

    def __enter__(self) -> Server:
        env = {
            **os.environ,
            "HAVEN_DATA_DIR": self.data_dir,
            "HAVEN_BENCH_PLAIN": "1" if self.plain else "0",
            "HAVEN_LOG_LEVEL": "ERROR",
        }
        if not self.admission:
            env |= {"HAVEN_INTAKE_NEW_CONCURRENCY": "0", "HAVEN_INTAKE_NEW_PER_SECOND": "0"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--pythonpath",
                f"{HERE},{ROOT}",
                "-b",
                f"127.0.0.1:{self.port}",
                "-k",
                "gthread",
                "-w",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--log-level",
                "warning",
                "intake_wsgi:application",
            ],
            env=env,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/help/")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:  # stuck requests (the no-admission flood): stop hard
            self.proc.kill()
            self.proc.wait(30)


# --- HTTP --------------------------------------------------------------------------------------


def form_token(port: int) -> str:
    _status, page, _h = request(port, "GET", "/help/?lang=ru")
    match = re.search(r'name="form_token" value="([^"]+)"', page)
    assert match, "no form token on /help/"
    return match.group(1)


def submission_body(token: str, n: int) -> str:
    return urllib.parse.urlencode(
        {"text": f"{TEXT} #{n}", "felt_urgency": "days", "contact": "", "form_token": token}
    )


def submit(port: int, body: str) -> tuple[int, str]:
    status, page, _h = request(port, "POST", "/help/?lang=ru", body)
    match = re.search(r'<p class="codename"[^>]*><strong>([^<]+)</strong>', page)
    return status, match.group(1) if match else ""


# --- part 1: closed-loop throughput ------------------------------------------------------------


def closed_loop(port: int, clients: int, seconds: float) -> dict[str, float]:
    token = form_token(port)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        nonlocal errors
        n = 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                status, codename = submit(port, submission_body(token, i * 100_000 + n))
                ok = status == 200 and bool(codename)
            except OSError:
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors += 1
            n += 1

    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    wall = time.perf_counter() - began
    return {
        "per_s": len(latencies) / wall,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "ok": len(latencies),
        "errors": errors,
    }


# --- part 2: the flood -------------------------------------------------------------------------


@dataclass
class Tally:
    ok: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ok: bool, elapsed: float) -> None:
        with self.lock:
            if ok:
                self.ok += 1
                self.latencies.append(elapsed)
            else:
                self.failed += 1

    @property
    def share(self) -> float:
        total = self.ok + self.failed
        return self.ok / total if total else 0.0


def returning_people(port: int, how_many: int) -> list[tuple[str, str]]:
    """(codename, portal cookie) for people who asked earlier and signed in."""
    people = []
    for i in range(how_many):
        # A fresh form per person: the help form is idempotent on its token (issue 13), so a
        # token used twice answers with the first request's page and no new codename.
        token = form_token(port)
        _status, codename = submit(port, submission_body(token, 900_000 + i))
        status, _page, headers = request(
            port,
            "POST",
            "/enter/?lang=ru",
            urllib.parse.urlencode({"codename": codename, "form_token": token}),
        )
        assert status == 302, status
        cookie = headers["set-cookie"].split(";")[0]
        people.append((codename, cookie))
    return people


def flood(
    port: int, rate: float, seconds: float, people: list[tuple[str, str]], max_outstanding: int
) -> dict[str, float]:
    token = form_token(port)
    new = Tally()
    busy = 0
    accepted_codenames = 0
    unsent = 0
    reads, signins = Tally(), Tally()
    stop = time.monotonic() + seconds
    slots = threading.BoundedSemaphore(max_outstanding)
    lock = threading.Lock()

    def send(n: int) -> None:
        nonlocal busy, accepted_codenames
        started = time.perf_counter()
        try:
            status, codename = submit(port, submission_body(token, n))
        except OSError:
            status, codename = 0, ""
        finally:
            slots.release()
        with lock:
            busy += status == 503
            accepted_codenames += bool(codename)
        new.add(status == 200 and bool(codename), time.perf_counter() - started)

    def returning(i: int) -> None:
        codename, cookie = people[i]
        k = 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                if k % 4 == 3:  # one in four: a fresh sign-in with the codename
                    status, _page, _h = request(
                        port,
                        "POST",
                        "/enter/?lang=ru",
                        urllib.parse.urlencode({"codename": codename, "form_token": token}),
                    )
                    signins.add(status == 302, time.perf_counter() - started)
                else:
                    status, page, _h = request(port, "GET", "/inbox/?lang=ru", cookie=cookie)
                    reads.add(status == 200 and TEXT[:40] in page, time.perf_counter() - started)
            except OSError:
                (signins if k % 4 == 3 else reads).add(False, time.perf_counter() - started)
            k += 1

    with ThreadPoolExecutor(max_outstanding) as senders, ThreadPoolExecutor(len(people)) as back:
        for i in range(len(people)):
            back.submit(returning, i)
        interval, next_at, n = 1.0 / rate, time.monotonic(), 0
        while next_at < stop:
            now = time.monotonic()
            if now < next_at:
                time.sleep(next_at - now)
            if slots.acquire(blocking=False):
                senders.submit(send, n)
            else:
                unsent += 1  # the generator's own bound: counted, never silently skipped
            n += 1
            next_at += interval
    offered = n / seconds
    sent = (n - unsent) / seconds
    both = Tally(reads.ok + signins.ok, reads.failed + signins.failed)
    return {
        "offered_per_s": offered,
        "sent_per_s": sent,
        "unsent": unsent,
        "new_accepted": new.ok,
        "new_busy_503": busy,
        "new_other_failures": new.failed - busy,
        "accepted_codename_pages": accepted_codenames,
        "returning_share": both.share,
        "reads_share": reads.share,
        "reads_n": reads.ok + reads.failed,
        "reads_p50_ms": percentile(reads.latencies, 50) * 1000 if reads.latencies else 0,
        "reads_p99_ms": percentile(reads.latencies, 99) * 1000 if reads.latencies else 0,
        "signins_share": signins.share,
        "signins_n": signins.ok + signins.failed,
    }


def report_throughput(runs: dict[str, list[dict[str, float]]]) -> float:
    summary = {
        mode: {k: median([x[k] for x in rs]) for k in ("per_s", "p50_ms", "p99_ms")}
        for mode, rs in runs.items()
    }
    s, p = summary["sealed"], summary["plain"]
    print(
        f"median sealed: {s['per_s']:.2f}/s p50 {s['p50_ms']:.0f} ms p99 {s['p99_ms']:.0f} ms; "
        f"plain: {p['per_s']:.2f}/s p50 {p['p50_ms']:.0f} ms p99 {p['p99_ms']:.0f} ms"
    )
    print(
        f"sealing overhead: throughput {100 * (p['per_s'] / s['per_s'] - 1):+.1f} %, "
        f"p50 {100 * (s['p50_ms'] / p['p50_ms'] - 1):+.1f} %"
    )
    return s["per_s"]


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] in ("prepare", "count"):
        (prepare if sys.argv[1] == "prepare" else count_requests)(sys.argv[2])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--returning", type=int, default=8)
    parser.add_argument("--flood-factor", type=float, default=10)
    parser.add_argument("--off-rounds", type=int, default=2, help="flood rounds without admission")
    parser.add_argument("--capacity", type=float, help="skip part 1; flood at factor x this")
    args = parser.parse_args()

    sealed_dir, plain_dir = tempfile.mkdtemp("-sealed"), tempfile.mkdtemp("-plain")
    for d in (sealed_dir, plain_dir):
        _child("prepare", d)
    print(f"gunicorn gthread, 2 workers x 16 threads; {args.clients} clients; {args.seconds:g} s")

    runs: dict[str, list[dict[str, float]]] = {"sealed": [], "plain": []}
    for r in range(args.rounds if args.capacity is None else 0):
        order = ["sealed", "plain"] if r % 2 == 0 else ["plain", "sealed"]
        for mode in order:
            data = sealed_dir if mode == "sealed" else plain_dir
            with Server(data, plain=mode == "plain", admission=False) as server:
                closed_loop(server.port, args.clients, 2)  # warm up
                result = closed_loop(server.port, args.clients, args.seconds)
            runs[mode].append(result)
            print(
                f"round {r + 1} {mode:6}: {result['per_s']:.2f}/s p50 {result['p50_ms']:.0f} ms"
                f" p99 {result['p99_ms']:.0f} ms ({result['ok']:.0f} ok, {result['errors']:.0f} errors)"
            )
    if args.capacity is None:
        capacity = report_throughput(runs)
    else:
        capacity = args.capacity
    rate = capacity * args.flood_factor
    for admission in (True, False):
        label = "admission control on" if admission else "admission control OFF"
        shares = []
        for r in range(args.rounds if admission else args.off_rounds):
            with Server(sealed_dir, admission=admission) as server:
                people = returning_people(server.port, args.returning)
                before = int(_child("count", sealed_dir))
                result = flood(server.port, rate, args.seconds, people, max_outstanding=256)
                # Let in-flight submissions finish before counting rows.
                time.sleep(2)
                after = int(_child("count", sealed_dir))
            stored = after - before
            shares.append(result["returning_share"])
            print(
                f"flood {label}, round {r + 1}: offered {result['offered_per_s']:.0f}/s, sent "
                f"{result['sent_per_s']:.0f}/s ({result['unsent']:.0f} not sent: the generator's "
                f"256 outstanding were all waiting); new accepted "
                f"{result['new_accepted']:.0f}, busy 503 {result['new_busy_503']:.0f}, other "
                f"failures {result['new_other_failures']:.0f}; rows stored {stored} for "
                f"{result['accepted_codename_pages']:.0f} codename pages; returning "
                f"{100 * result['returning_share']:.1f} % ok (reads "
                f"{100 * result['reads_share']:.1f} % of {result['reads_n']:.0f}, p50 "
                f"{result['reads_p50_ms']:.0f} ms p99 {result['reads_p99_ms']:.0f} ms; sign-ins "
                f"{100 * result['signins_share']:.1f} % of {result['signins_n']:.0f})"
            )
        if shares:
            print(f"median returning share, {label}: {100 * median(shares):.1f} %")


if __name__ == "__main__":
    main()

"""Issue 16: portal throughput against a plain Django form write, side by side in one run.

    uv run python bench/portal_vs_plain.py [--rounds 3] [--seconds 10] [--clients 16]
                                           [--baseline-tree DIR]

Real gunicorn on 127.0.0.1, 2 gthread workers x 8 threads each, throwaway SQLite databases with
the same settings (WAL, synchronous=FULL, IMMEDIATE transactions). Closed loop, `--clients`
concurrent clients, each phase `--seconds` long, the phases' order rotating from round to round:

- sealed: POST /help/ on Haven (a new request sealed to the intake vault, its copy sealed to the
  new codename's key, the codename derived, audit row, commit). Admission control is opened wide
  so that the endpoint is measured, not the budget;
- check-in: POST /checkin/ on Haven with the person's PIN (signed-in portal session; the PIN and
  duress PIN checked, check-in row, watch update, audit row, commit);
- plain: POST /write/ on bench/plainsite, a plain Django site: the same form fields and the same
  text, validated by a Django form and written as one row, nothing encrypted or derived.

With `--baseline-tree DIR` (e.g. `git archive main | tar -x -C DIR`) the sealed and check-in
phases also run against that checkout's code, in the same rounds, for the before/after.
The load generator shares the machine's cores with the servers. Loopback only; bounded loops.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _django import median, percentile  # noqa: E402
from _http import free_port  # noqa: E402
from _http import request as _request  # noqa: E402

TEXT = (
    "Меня ищут родственники после того, как узнали про мои переписки. Брат сказал, что меня "
    "заберут в эти выходные. Я сейчас у подруги, но долго здесь оставаться нельзя. "
) * 5
PIN = "4826"
TIMEOUT = 30.0


def request(
    port: int, method: str, path: str, body: str = "", cookie: str = ""
) -> tuple[int, str, dict[str, str]]:
    return _request(port, method, path, body, cookie, timeout=TIMEOUT)


TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def prepare(data_dir: str, people: int, out: str) -> None:
    """Child process, with the tree under test first on sys.path: staff, intake vault, and
    `people` persons with a case, a watch and a PIN; their codenames go to `out`."""
    os.environ["HAVEN_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "haven.settings"
    os.environ["HAVEN_ARGON2_OPSLIMIT"] = "1"  # the staff key only: set-up speed
    os.environ["HAVEN_ARGON2_MEMLIMIT"] = str(8 * 1024 * 1024)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from haven.accounts.actions import create_staff_user
    from haven.cases import actions as case_actions
    from haven.intake import actions as intake_actions
    from haven.intake.models import PortalIdentity
    from haven.safety import actions as safety_actions
    from haven.vault.keyring import Keyring
    from haven.vault.userkeys import unwrap_user_key

    password = "bench password for a throwaway installation"  # noqa: S105
    user = create_staff_user(
        actor=None, username="coordinator", roles=["coordinator"], password=password
    ).user
    private = unwrap_user_key(user, password)
    assert private is not None
    ring = Keyring(user, private)
    intake_actions.set_up_intake_vault(actor=user, keyring=ring)
    codenames = []
    for _ in range(people):
        submission = intake_actions.submit_request(
            text="помогите", felt_urgency="days", contact="", files=[], language="ru"
        )
        case = case_actions.create_case(keyring=ring, risk="high")
        safety_actions.save_watch(
            actor=user,
            case=case,
            interval_minutes=12 * 60,
            fixed_times=[],
            time_zone="Europe/Moscow",
            grace_minutes=30,
            pin=PIN,
            duress_pin="9153",
        )
        PortalIdentity.objects.filter(pk=submission.request.identity_id).update(case=case)
        codenames.append(submission.codename)
    Path(out).write_text(json.dumps(codenames))


class Server:
    def __init__(self, app: str, tree: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(  # noqa: S603  (our own interpreter)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--pythonpath",
                f"{tree},{HERE}",
                "-b",
                f"127.0.0.1:{self.port}",
                "-k",
                "gthread",
                "-w",
                "2",
                "--threads",
                "8",
                "--log-level",
                "warning",
                app,
            ],
            env={**os.environ, **env},
            cwd=tree,
        )

    def wait(self, path: str) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", path)[0] in (200, 302):
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"server for {path} did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(30)


def haven_server(tree: Path, label: str, people: int) -> tuple[Server, list[str]]:
    data = tempfile.mkdtemp(prefix=f"haven-pvp-{label}-")
    out = os.path.join(data, "codenames.json")
    subprocess.run(  # noqa: S603
        [sys.executable, str(HERE / "portal_vs_plain.py"), "prepare", data, str(people), out],
        check=True,
        cwd=tree,
        env={**os.environ, "BENCH_TREE": str(tree)},
    )
    env = {
        "HAVEN_DATA_DIR": data,
        "HAVEN_LOG_LEVEL": "ERROR",
        "HAVEN_INTAKE_NEW_CONCURRENCY": "0",
        "HAVEN_INTAKE_NEW_PER_SECOND": "0",
        "PYTHONPATH": str(tree),
    }
    server = Server("haven.wsgi:application", tree, env)
    server.wait("/help/")
    return server, json.loads(Path(out).read_text())


def plain_server() -> Server:
    db = os.path.join(tempfile.mkdtemp(prefix="plain-pvp-"), "plain.sqlite3")
    env = {"PLAIN_DB": db, "DJANGO_SETTINGS_MODULE": "plainsite.settings", "PYTHONPATH": str(HERE)}
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "django", "migrate", "--run-syncdb", "-v", "0"],
        check=True,
        cwd=HERE,
        env={**os.environ, **env},
    )
    server = Server("plainsite.wsgi:application", HERE, env)
    server.wait("/write/")
    return server


def sign_in(port: int, codename: str) -> str:
    _s, page, _h = request(port, "GET", "/enter/?lang=ru")
    token = TOKEN.search(page)
    assert token
    body = urllib.parse.urlencode({"codename": codename, "form_token": token.group(1)})
    status, _page, headers = request(port, "POST", "/enter/?lang=ru", body)
    assert status == 302, status
    return headers["set-cookie"].split(";")[0]


def closed_loop(clients: int, seconds: float, one: object) -> dict[str, float]:
    """`one(i, n) -> bool` is a request by client i (its n-th); returns throughput and latency."""
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
                ok = one(i, n)  # type: ignore[operator]
            except OSError:
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors += 1
            n += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    return {
        "per_s": len(latencies) / wall,
        "p50_ms": percentile(latencies, 50) * 1000 if latencies else 0.0,
        "p99_ms": percentile(latencies, 99) * 1000 if latencies else 0.0,
        "ok": len(latencies),
        "errors": errors,
    }


def sealed_phase(port: int, clients: int, seconds: float) -> dict[str, float]:
    _s, page, _h = request(port, "GET", "/help/?lang=ru")
    match = TOKEN.search(page)
    assert match
    token = match.group(1)

    def one(i: int, n: int) -> bool:
        body = urllib.parse.urlencode(
            {"text": f"{TEXT} #{i}-{n}", "felt_urgency": "days", "contact": "", "form_token": token}
        )
        status, page, _h = request(port, "POST", "/help/?lang=ru", body)
        return status == 200 and 'class="codename"' in page

    return closed_loop(clients, seconds, one)


def checkin_phase(port: int, cookies: list[str], seconds: float) -> dict[str, float]:
    body = urllib.parse.urlencode({"pin": PIN})

    def one(i: int, n: int) -> bool:
        status, page, _h = request(port, "POST", "/checkin/?lang=ru", body, cookie=cookies[i])
        return status == 200 and "Неверный" not in page

    return closed_loop(len(cookies), seconds, one)


def plain_phase(port: int, clients: int, seconds: float) -> dict[str, float]:
    def one(i: int, n: int) -> bool:
        body = urllib.parse.urlencode(
            {"text": f"{TEXT} #{i}-{n}", "felt_urgency": "days", "contact": ""}
        )
        status, page, _h = request(port, "POST", "/write/", body)
        return status == 200 and "Saved as" in page

    return closed_loop(clients, seconds, one)


def _phase_runner(
    kind: str, label: str, servers: dict[str, Server], cookies: dict[str, list[str]], clients: int
) -> Callable[[float], dict[str, float]]:
    def run(seconds: float) -> dict[str, float]:
        if kind == "plain":
            return plain_phase(servers["plain"].port, clients, seconds)
        if kind == "sealed":
            return sealed_phase(servers[label].port, clients, seconds)
        return checkin_phase(servers[label].port, cookies[label], seconds)

    return run


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "prepare":
        sys.path.insert(0, os.environ.get("BENCH_TREE") or str(ROOT))
        prepare(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--baseline-tree", type=Path)
    args = parser.parse_args()

    trees = {"this": ROOT}
    if args.baseline_tree:
        trees["baseline"] = args.baseline_tree.resolve()
    servers: dict[str, Server] = {}
    cookies: dict[str, list[str]] = {}
    try:
        for label, tree in trees.items():
            servers[label], codenames = haven_server(tree, label, args.clients)
            cookies[label] = [sign_in(servers[label].port, c) for c in codenames]
        servers["plain"] = plain_server()
        phases = ["plain"] + [
            f"{kind}:{label}" for label in trees for kind in ("sealed", "checkin")
        ]
        print(
            f"gunicorn gthread 2 workers x 8 threads; {args.clients} clients; "
            f"{args.seconds:g} s per phase; load before: {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        results: dict[str, list[dict[str, float]]] = {p: [] for p in phases}
        for r in range(args.rounds):
            order = phases[r % len(phases) :] + phases[: r % len(phases)]
            for phase in order:
                kind, _colon, label = phase.partition(":")
                run = _phase_runner(kind, label, servers, cookies, args.clients)
                run(1.0)  # warm up
                result = run(args.seconds)
                results[phase].append(result)
                print(
                    f"round {r + 1} {phase:16} {result['per_s']:7.1f}/s  p50 "
                    f"{result['p50_ms']:6.0f} ms  p99 {result['p99_ms']:6.0f} ms  "
                    f"({result['ok']:.0f} ok, {result['errors']:.0f} failed)  "
                    f"load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        plain = median([x["per_s"] for x in results["plain"]])
        print(f"\nmedians of {args.rounds} rounds (plain Django write: {plain:.1f}/s)")
        for phase in phases:
            per_s = median([x["per_s"] for x in results[phase]])
            p50 = median([x["p50_ms"] for x in results[phase]])
            print(f"  {phase:16} {per_s:7.1f}/s  p50 {p50:6.0f} ms  = {per_s / plain:.2f}x plain")
    finally:
        for server in servers.values():
            server.stop()


if __name__ == "__main__":
    main()

"""A mixed load on the real server: staff pages and the portal at once (issue 9).

    uv run python bench/load_mixed.py --db sqlite --runs 3 --seconds 30 --clients 16
    uv run python bench/load_mixed.py --db postgres --runs 3 --seconds 30 --clients 16

gunicorn with 2 gthread workers × 8 threads serves `haven.wsgi` on 127.0.0.1, on a throwaway
database (SQLite in WAL mode, or PostgreSQL 15 from haven.testing.pgcluster). The installation:
one coordinator holding --cases cases (each in its own vault with one person), an intake vault,
and --people persons with a codename, a case and a check-in schedule. Staff clients sign in
through the real sign-in page (password + a TOTP code computed from the device's key, as
haven.testing.personas does, CSRF token included); portal clients sign in with their codename.

Each of --clients closed-loop clients picks a request at random by weight (see MIX) and sends
the next as soon as the answer is in. Reported per run and as the median of the runs: requests
per second over the whole mix, and p50/p99 latency per page. Production Argon2id for codenames
and check-in PINs (hashers as configured); staff key Argon2id lowered to set the installation up
quickly (sign-in happens once per client, before the clock starts). Admission control on POST
/help/ stays at its defaults: a submission it turns away (429/503) counts as answered, and the
share is reported. The load generator runs on the same 2 cores as the server.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _django import median, percentile  # noqa: E402
from crash_safety import Server, _free_port, _fresh_postgres_database  # noqa: E402

PASSWORD = "load-mixed bench password, throwaway installation"  # noqa: S105
PIN = "2468"
TOKEN = re.compile(r'name="(?:form_token|csrfmiddlewaretoken)" value="([^"]+)"')
TIMEOUT = 60.0
MIX = {  # page: weight
    "staff: case list": 15,
    "staff: case detail": 15,
    "staff: dashboard": 10,
    "staff: safety roster": 10,
    "portal: landing": 20,
    "portal: submit request": 10,
    "portal: check-in": 20,
}


class Browser:
    """Just enough of a browser: one cookie jar, every cookie sent back (the server's cookies are
    Secure only in production; this is plain HTTP on 127.0.0.1)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, fields: dict[str, str] | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            headers = {"Accept-Language": "en", "Host": "127.0.0.1"}
            body = None
            if fields is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                body = urllib.parse.urlencode(fields).encode()
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _eq, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, text
        finally:
            conn.close()

    def token(self, path: str) -> str:
        status, page = self.send("GET", path)
        match = TOKEN.search(page)
        if status != 200 or not match:
            raise RuntimeError(f"no form token on {path} ({status})")
        return match.group(1)


def prepare(cases: int, people: int) -> tuple[list[str], list[str]]:
    """The installation; returns (case ids, codenames)."""
    from haven.accounts.actions import create_staff_user
    from haven.cases import actions as case_actions
    from haven.intake import actions as intake_actions
    from haven.intake.models import PortalIdentity
    from haven.safety import actions as safety_actions
    from haven.vault import blind_index
    from haven.vault.keyring import Keyring
    from haven.vault.userkeys import unwrap_user_key

    user = create_staff_user(
        actor=None, username="coordinator", roles=["coordinator"], password=PASSWORD
    ).user
    private = unwrap_user_key(user, PASSWORD)
    assert private is not None
    ring = Keyring(user, private)
    intake_actions.set_up_intake_vault(actor=user, keyring=ring)
    blind_index.set_up_index_vault(actor=user, keyring=ring, members=[])
    rng = random.Random(1)
    given = ["Аслан", "Руслан", "Зелимхан", "Ислам", "Магомед", "Алихан", "Тимур", "Адам"]
    family = ["Исаев", "Магомадов", "Хасанов", "Умаров", "Довлатов", "Алиев", "Сулейманов"]
    ids = []
    for i in range(cases):
        case = case_actions.create_case(keyring=ring, risk=rng.choice(["high", "medium"]))
        values = {"given_name": rng.choice(given), "family_name": rng.choice(family)}
        case_actions.save_person(keyring=ring, case=case, values=values)
        ids.append(str(case.id))
        if (i + 1) % 500 == 0:
            print(f"  {i + 1} cases", flush=True)
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
        )
        PortalIdentity.objects.filter(pk=submission.request.identity_id).update(case=case)
        codenames.append(submission.codename)
    return ids, codenames


def staff_browser(port: int) -> Browser:
    from django.contrib.auth import get_user_model
    from django.db import connections

    from haven.testing.personas import current_code

    user = get_user_model().objects.get(username="coordinator")
    browser = Browser(port)
    token = browser.token("/staff/login/")
    for _attempt in range(3):
        fields = {
            "username": "coordinator",
            "password": PASSWORD,
            "otp_token": current_code(user),
            "csrfmiddlewaretoken": token,
        }
        connections.close_all()
        status, _page = browser.send("POST", "/staff/login/", fields)
        if status == 302:
            return browser
        time.sleep(1)
    raise RuntimeError(f"staff sign-in failed ({status})")


def portal_browser(port: int, codename: str) -> Browser:
    browser = Browser(port)
    token = browser.token("/enter/")
    status, _page = browser.send("POST", "/enter/", {"codename": codename, "form_token": token})
    if status != 302:
        raise RuntimeError(f"portal sign-in failed ({status})")
    return browser


# What each page of the mix requests, on Haven and on the plain site (bench/plain_site): the
# same kinds of page (list of 50, detail with forms, counts, roster, landing, form write,
# check-in write), so that the two throughputs compare.
HAVEN_ROUTES = {
    "staff: case list": ("GET", "/staff/cases/"),
    "staff: case detail": ("GET", "/staff/cases/{case}/"),
    "staff: dashboard": ("GET", "/staff/"),
    "staff: safety roster": ("GET", "/staff/watch/roster/"),
    "portal: landing": ("GET", "/"),
    "portal: submit request": ("POST", "/help/"),
    "portal: check-in": ("POST", "/checkin/"),
}
PLAIN_ROUTES = {
    **HAVEN_ROUTES,
    "staff: safety roster": ("GET", "/staff/roster/"),
}
HELP_TOKEN = {"haven": "form_token", "plain": "csrfmiddlewaretoken"}


def one_run(
    port: int,
    seconds: float,
    staff: list[Browser],
    portal: list[Browser],
    case_ids: list[str],
    site: str = "haven",
) -> dict[str, object]:
    routes = PLAIN_ROUTES if site == "plain" else HAVEN_ROUTES
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    lock = threading.Lock()
    pages, weights = list(MIX), list(MIX.values())
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        rng = random.Random(n)
        staff_b, portal_b = staff[n % len(staff)], portal[n % len(portal)]
        anonymous = Browser(port)
        help_token = anonymous.token("/help/")
        while time.monotonic() < stop:
            page = rng.choices(pages, weights)[0]
            started = time.perf_counter()
            method, path = routes[page]
            try:
                if page == "staff: case detail":
                    status, _ = staff_b.send(method, path.format(case=rng.choice(case_ids)))
                elif page.startswith("staff:"):
                    status, _ = staff_b.send(method, path)
                elif page == "portal: landing":
                    status, _ = anonymous.send(method, path)
                elif page == "portal: submit request":
                    fields = {
                        "text": f"Прошу помощи, меня ищут. {rng.random()}",
                        "felt_urgency": "days",
                        "contact": "",
                        HELP_TOKEN[site]: help_token,
                    }
                    status, _ = anonymous.send(method, path, fields)
                else:
                    status, _ = portal_b.send(method, path, {"pin": PIN})
            except (OSError, http.client.HTTPException):
                status = 0
            elapsed = time.perf_counter() - started
            with lock:
                statuses[page][status] += 1
                if status in (200, 302):
                    latencies[page].append(elapsed)

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    answered = sum(sum(s.values()) for s in statuses.values())
    return {
        "per_s": answered / wall,
        "ok_per_s": sum(len(v) for v in latencies.values()) / wall,
        "pages": {
            p: {
                "n": len(latencies[p]),
                "p50": percentile(latencies[p], 50) * 1000 if latencies[p] else float("nan"),
                "p99": percentile(latencies[p], 99) * 1000 if latencies[p] else float("nan"),
                "statuses": dict(statuses[p]),
            }
            for p in pages
        },
    }


def main() -> int:
    data = tempfile.mkdtemp(prefix="haven-load-")
    env = {
        **os.environ,
        "HAVEN_DATA_DIR": data,
        "HAVEN_LOG_LEVEL": "ERROR",
        "HAVEN_ARGON2_OPSLIMIT": "1",
        "HAVEN_ARGON2_MEMLIMIT": str(8 * 1024 * 1024),
    }
    if args.db == "postgres":
        env["DATABASE_URL"] = _fresh_postgres_database(os.environ["DATABASE_URL"])
    else:
        env.pop("DATABASE_URL", None)
    os.environ.clear()
    os.environ.update(env)
    from _django import setup

    setup()
    from django.db import connection, connections

    engine = connection.vendor
    if engine == "sqlite":
        with connection.cursor() as c:
            c.execute("PRAGMA journal_mode")
            engine += f" ({c.fetchone()[0]})"
    began = time.monotonic()
    case_ids, codenames = prepare(args.cases, args.people)
    print(f"{engine}: installation ready in {time.monotonic() - began:.0f} s", flush=True)
    connections.close_all()
    results = {}
    if not args.plain_only:
        server = Server(env, _free_port())
        server.start()
        try:
            staff = [staff_browser(server.port) for _ in range(args.staff_sessions)]
            portal = [portal_browser(server.port, c) for c in codenames]
            results["haven"] = measure("haven", server.port, staff, portal, case_ids)
        finally:
            server.stop()
    if args.plain or args.plain_only:
        plain_env = {
            **env,
            "DJANGO_SETTINGS_MODULE": "plain_site.settings",
            "PLAIN_DATA_DIR": data,
            "PLAIN_PASSWORD": PASSWORD,
            "PYTHONPATH": str(HERE),
        }
        if args.db == "postgres":
            plain_env["PLAIN_DATABASE_URL"] = _fresh_postgres_database(os.environ["DATABASE_URL"])
        ids = subprocess.run(
            [sys.executable, "-m", "plain_site.populate", str(args.cases)],
            env=plain_env,
            cwd=HERE,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        server = Server(plain_env, _free_port(), app="plain_site.wsgi:application")
        server.start()
        try:
            staff = [plain_staff_browser(server.port) for _ in range(args.staff_sessions)]
            portal = [Browser(server.port) for _ in codenames]
            results["plain"] = measure("plain", server.port, staff, portal, ids)
        finally:
            server.stop()
    for site, runs in results.items():
        print(
            f"\n{site}: {engine}, {args.clients} clients, {args.seconds:.0f} s × {args.runs} runs (medians):"
        )
        print(f"  throughput {median([r['per_s'] for r in runs]):.1f} req/s")  # type: ignore[misc]
        for page in MIX:
            p50 = median([r["pages"][page]["p50"] for r in runs])  # type: ignore[index]
            p99 = median([r["pages"][page]["p99"] for r in runs])  # type: ignore[index]
            print(f"  {page:<24} p50 {p50:7.0f} ms  p99 {p99:7.0f} ms")
    if len(results) == 2:
        h = median([r["per_s"] for r in results["haven"]])  # type: ignore[misc]
        p = median([r["per_s"] for r in results["plain"]])  # type: ignore[misc]
        print(f"\nHaven / plain throughput: {h / p:.2f} (plain is {p / h:.1f}x Haven)")
    return 0


def plain_staff_browser(port: int) -> Browser:
    browser = Browser(port)
    token = browser.token("/login/")
    fields = {"username": "coordinator", "password": PASSWORD, "csrfmiddlewaretoken": token}
    status, _page = browser.send("POST", "/login/", fields)
    if status != 302:
        raise RuntimeError(f"plain sign-in failed ({status})")
    return browser


def measure(
    site: str, port: int, staff: list[Browser], portal: list[Browser], ids: list[str]
) -> list[dict[str, object]]:
    runs = []
    for r in range(args.runs):
        result = one_run(port, args.seconds, staff, portal, ids, site)
        runs.append(result)
        print(
            f"{site} run {r + 1}: {result['per_s']:.1f} req/s answered, "
            f"{result['ok_per_s']:.1f} req/s 200/302",
            flush=True,
        )
        for page, figures in result["pages"].items():  # type: ignore[union-attr]
            print(
                f"  {page:<24} n={figures['n']:<5} p50 {figures['p50']:7.0f} ms  "
                f"p99 {figures['p99']:7.0f} ms  statuses {figures['statuses']}",
                flush=True,
            )
    return runs


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--people", type=int, default=16)
    parser.add_argument("--staff-sessions", type=int, default=4)
    parser.add_argument(
        "--plain",
        action="store_true",
        help="then run the same mix on the plain Django site (bench/plain_site), same gunicorn",
    )
    parser.add_argument("--plain-only", action="store_true", help="only the plain site")
    args = parser.parse_args()
    if args.db == "postgres" and not os.environ.get("DATABASE_URL"):
        sys.path.insert(0, str(ROOT))
        from haven.testing.pgcluster import cluster

        with cluster() as url:
            os.environ["DATABASE_URL"] = url
            raise SystemExit(main())
    raise SystemExit(main())

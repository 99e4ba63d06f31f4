"""Issue 14, finding 4: memory of a staff sign-in flood, and whether a real sign-in gets through.

    uv run python bench/signin_flood.py [--clients 64] [--seconds 20] [--uncapped-seconds 10]

A real gunicorn on 127.0.0.1 started as the shipped unit starts it (`-k gthread -w 4
--threads 8`, HAVEN_ENV=production with its secrets, secure cookies, behind-proxy setting),
production Argon2id for staff keys (256 MiB, 3 passes), a throwaway SQLite database. In one run:

1. an unloaded sign-in (password + current TOTP code through the real form), 3 times;
2. the flood with the cap as shipped: `--clients` clients post random user names with a
   random password and code in a closed loop for `--seconds` s, re-sending at once whatever the
   answer; meanwhile a real staff member signs in every 2 s (a different account each time, since
   a TOTP code is accepted once). Every worker's resident memory is sampled every 20 ms
   (/proc/PID/status VmRSS) and its kernel high-water mark (VmHWM) read at the end;
3. the same flood with the cap switched off (HAVEN_STAFF_KDF_CONCURRENCY=0), for
   `--uncapped-seconds` s, as the baseline. It is stopped early if the machine's available
   memory falls below 3 GiB (the machine is shared).

Reported: per-worker baseline and peak RSS, the peak of the workers' sum, the flood's answers by
status, and each real sign-in's status and time. Loopback only; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from _django import median  # noqa: E402
from _http import free_port  # noqa: E402

TIMEOUT = 60.0
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PASSWORD = "a long bench passphrase for a throwaway installation"  # noqa: S105
SECRETS = {
    "HAVEN_ENV": "production",
    "HAVEN_SECRET_KEY": "bench-" + "k" * 60,
    "HAVEN_DELIVERY_KEY": "MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=",
    "HAVEN_SECURE_COOKIES": "1",
    "HAVEN_BEHIND_PROXY": "1",
    "HAVEN_ALLOWED_HOSTS": "127.0.0.1",
    "HAVEN_ARGON2_MEMLIMIT": str(256 * 1024 * 1024),
    "HAVEN_ARGON2_OPSLIMIT": "3",
    "HAVEN_LOG_LEVEL": "ERROR",
}


def prepare(data_dir: str, accounts: int) -> None:
    """Child process: migrate and create staff accounts at production Argon2; print their TOTP
    keys (a throwaway installation's, needed to type the codes)."""
    os.environ.update(SECRETS, HAVEN_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="haven.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from haven.accounts.actions import create_staff_user

    for i in range(accounts):
        creds = create_staff_user(
            actor=None, username=f"staff{i}", roles=["caseworker"], password=PASSWORD
        )
        d = creds.totp_device
        print(f"staff{i} {d.key} {d.step} {d.digits}")


def code(key_hex: str, step: int, digits: int) -> str:
    sys.path.insert(0, str(ROOT))
    from django_otp.oath import TOTP

    return f"{TOTP(bytes.fromhex(key_hex), step, 0, digits).token():0{digits}d}"


@dataclass
class Server:
    data_dir: str
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None  # type: ignore[type-arg]

    def __enter__(self) -> Server:
        env = {**os.environ, **SECRETS, "HAVEN_DATA_DIR": self.data_dir, **self.extra_env}
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "haven.wsgi", "-w", "4", "-k", "gthread",
             "--threads", "8", "-b", f"127.0.0.1:{self.port}", "--log-level", "warning"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 300  # a shared, busy machine boots Django slowly
        while time.monotonic() < deadline:
            try:
                if (
                    request(self.port, "GET", "/staff/login/")[0] == 200
                    and len(self.workers()) == 4
                ):
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def workers(self) -> list[int]:
        assert self.proc is not None
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        workers = [int(p) for p in path.read_text().split()] if path.exists() else []
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(30)
        # A killed master leaves workers busy deriving: they are ours, end them too.
        for pid in workers:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if f"127.0.0.1:{self.port}".encode() in cmdline:  # still our worker
                    os.kill(pid, 9)
            except (OSError, ProcessLookupError):
                pass


def request(
    port: int, method: str, path: str, body: dict[str, str] | None = None, cookie: str = ""
) -> tuple[int, str, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        if cookie:
            headers["Cookie"] = cookie
        data = urllib.parse.urlencode(body).encode() if body else None
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        cookies = "; ".join(
            v.split(";", 1)[0] for k, v in response.getheaders() if k.lower() == "set-cookie"
        )
        return response.status, text, {"set-cookie": cookies}
    finally:
        conn.close()


def login_form(port: int) -> tuple[str, str]:
    _s, page, headers = request(port, "GET", "/staff/login/")
    match = CSRF.search(page)
    assert match
    return match.group(1), headers["set-cookie"]


def real_sign_in(port: int, account: tuple[str, str, int, int]) -> tuple[int, float]:
    """(status, seconds) of one sign-in through the real form, the page fetch included;
    status 0: no answer within the client's time-out."""
    name, key, step, digits = account
    started = time.perf_counter()
    try:
        return _real_sign_in(port, name, key, step, digits, started)
    except OSError:
        return 0, time.perf_counter() - started


def _real_sign_in(
    port: int, name: str, key: str, step: int, digits: int, started: float
) -> tuple[int, float]:
    token, cookie = login_form(port)
    status, _p, _h = request(
        port, "POST", "/staff/login/",
        {"csrfmiddlewaretoken": token, "username": name, "password": PASSWORD,
         "otp_token": code(key, step, digits)},
        cookie=cookie,
    )  # fmt: skip
    return status, time.perf_counter() - started


def rss_kib(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def available_kib() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1])
    return 0


def flood(
    server: Server, clients: int, seconds: float, accounts: list[tuple[str, str, int, int]]
) -> dict[str, object]:
    port = server.port
    workers = server.workers()
    baseline = {pid: rss_kib(pid, "VmRSS") for pid in workers}
    token, cookie = login_form(port)
    stop = threading.Event()
    answers: Counter[int] = Counter()
    lock = threading.Lock()
    peak_sum = [0]
    aborted = [False]

    def flooder() -> None:
        while not stop.is_set():
            body = {"csrfmiddlewaretoken": token, "username": "x" + secrets.token_hex(6),
                    "password": secrets.token_hex(8), "otp_token": f"{secrets.randbelow(10**6):06d}"}  # fmt: skip
            try:
                status = request(port, "POST", "/staff/login/", body, cookie=cookie)[0]
            except OSError:
                status = 0
            with lock:
                answers[status] += 1

    def sampler() -> None:
        while not stop.is_set():
            total = sum(rss_kib(pid, "VmRSS") for pid in workers)
            peak_sum[0] = max(peak_sum[0], total)
            if available_kib() < 3 * 1024 * 1024:
                aborted[0] = True
                stop.set()
            time.sleep(0.02)

    threads = [threading.Thread(target=flooder) for _ in range(clients)]
    threads.append(threading.Thread(target=sampler))
    began = time.perf_counter()
    for t in threads:
        t.start()
    real: list[tuple[int, float]] = []
    end = time.monotonic() + seconds
    i = 0
    time.sleep(2)
    while time.monotonic() < end and not stop.is_set() and i < len(accounts):
        real.append(real_sign_in(port, accounts[i]))
        i += 1
        time.sleep(2)
    while time.monotonic() < end and not stop.is_set():
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join(TIMEOUT + 5)
    wall = time.perf_counter() - began
    return {
        "baseline_mib": {pid: round(v / 1024) for pid, v in baseline.items()},
        "peak_mib": {pid: round(rss_kib(pid, "VmHWM") / 1024) for pid in workers},
        "peak_sum_mib": round(peak_sum[0] / 1024),
        "answers_per_s": {k: round(v / wall, 1) for k, v in sorted(answers.items())},
        "answers": dict(sorted(answers.items())),
        "real": [(s, round(t, 2)) for s, t in real],
        "aborted": aborted[0],
        "seconds": round(wall, 1),
    }


def report(name: str, r: dict[str, object]) -> None:
    print(f"[{name}] {r['seconds']} s{' (ABORTED: memory)' if r['aborted'] else ''}")
    print(f"  worker RSS before (MiB): {sorted(r['baseline_mib'].values())}")  # type: ignore[attr-defined]
    print(f"  worker peak RSS, VmHWM (MiB): {sorted(r['peak_mib'].values())}")  # type: ignore[attr-defined]
    print(f"  peak of the workers' sum (MiB, sampled every 20 ms): {r['peak_sum_mib']}")
    print(f"  flood answers: {r['answers']} = per s {r['answers_per_s']}")
    print(f"  real sign-ins during the flood (status, s): {r['real']}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--uncapped-seconds", type=float, default=10)
    args = parser.parse_args()
    n_accounts = 3 + int(args.seconds // 2) + int(args.uncapped_seconds // 2) + 2
    with tempfile.TemporaryDirectory(prefix="haven-bench-signin-") as data:
        out = subprocess.run(  # noqa: S603
            [sys.executable, str(HERE / "signin_flood.py"), "prepare", data, str(n_accounts)],
            check=True, cwd=ROOT, capture_output=True, text=True,
        ).stdout  # fmt: skip
        accounts = [
            (n, k, int(s), int(d)) for n, k, s, d in (line.split() for line in out.splitlines())
        ]
        with Server(data) as server:
            for _ in range(2):  # warm up imports in some workers
                login_form(server.port)
            unloaded = [real_sign_in(server.port, accounts.pop()) for _ in range(3)]
            print(f"unloaded sign-ins (status, s): {[(s, round(t, 2)) for s, t in unloaded]}")
            print(f"  median {median([t for _s, t in unloaded]):.2f} s", flush=True)
            capped = flood(server, args.clients, args.seconds, accounts)
            report("cap as shipped", capped)
            accounts = accounts[len(capped["real"]) :]  # type: ignore[arg-type]
        if args.uncapped_seconds > 0:
            with Server(data, {"HAVEN_STAFF_KDF_CONCURRENCY": "0"}) as server:
                login_form(server.port)
                report("no cap", flood(server, args.clients, args.uncapped_seconds, accounts))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "prepare":
        prepare(sys.argv[2], int(sys.argv[3]))
    else:
        main()

"""Issue 3 figures: the portal under load, on gunicorn (2 workers) on 127.0.0.1.

    uv run python bench/intake_load.py [--seconds 30] [--clients 32] [--runs 3]

1. Submission throughput and p50/p99 latency at 32 concurrent clients, sealing on, versus the
   same endpoint with sealing replaced by a plain write (bench/gunicorn_plain_sealing.py), in the
   same run. Admission limits are lifted for this part, to measure raw capacity.
2. A flood of new submissions far above that capacity (64 clients submitting as fast as the
   server answers) with admission control on, while returning people sign in with their codename
   and read their replies: the share of returning requests that succeed.
All traffic stays on 127.0.0.1 and every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from _django import median, percentile

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CODENAME = re.compile(r'<p class="codename"[^>]*><strong>([^<]+)</strong>')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data: str, port: int, *, plain: bool, admission: bool) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HAVEN_DATA_DIR": data, "HAVEN_LOG_LEVEL": "ERROR"}
    if not admission:
        env.update(
            HAVEN_INTAKE_NEW_PER_SECOND="100000",
            HAVEN_INTAKE_NEW_BURST="100000",
            HAVEN_INTAKE_NEW_CONCURRENCY="1000",
        )
    else:
        env.update(
            HAVEN_INTAKE_NEW_PER_SECOND=os.environ.get("BENCH_ADMIT_RATE", "2"),
            HAVEN_INTAKE_NEW_BURST="4",
            HAVEN_INTAKE_NEW_CONCURRENCY="2",
        )
    cmd = [
        "uv",
        "run",
        "gunicorn",
        "haven.wsgi",
        "-w",
        "2",
        "-k",
        "gthread",
        "--threads",
        "8",
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    if plain:
        cmd += ["-c", str(ROOT / "bench" / "gunicorn_plain_sealing.py")]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(100):
        try:
            request(port, "GET", "/")
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def request(
    port: int, method: str, path: str, body: dict[str, str] | None = None, cookie: str = ""
) -> tuple[int, bytes, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    if cookie:
        headers["Cookie"] = cookie
    conn.request(method, path, urllib.parse.urlencode(body) if body is not None else None, headers)
    response = conn.getresponse()
    data = response.read()
    result = response.status, data, {k.lower(): v for k, v in response.getheaders()}
    conn.close()
    return result


def token(port: int) -> str:
    match = TOKEN.search(request(port, "GET", "/help/")[1].decode())
    assert match
    return match.group(1)


def submit(port: int, form_token: str, text: str) -> tuple[int, bytes]:
    status, body, _h = request(
        port,
        "POST",
        "/help/?lang=ru",
        {"text": text, "felt_urgency": "days", "contact": "", "form_token": form_token},
    )
    return status, body


def closed_loop(port: int, clients: int, seconds: float) -> tuple[float, float, float, int]:
    form_token = token(port)
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def run() -> None:
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            status, _body = submit(
                port, form_token, "Мне нужна помощь, меня ищут родственники. " * 20
            )
            dt = time.perf_counter() - t0
            with lock:
                if status == 200:
                    latencies.append(dt)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=run) for _ in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    return (
        len(latencies) / elapsed,
        percentile(latencies, 50) * 1000,
        percentile(latencies, 99) * 1000,
        errors[0],
    )


def flood(port: int, seconds: float, returning: list[str]) -> tuple[float, int, int, int]:
    form_token = token(port)
    stop = time.monotonic() + seconds
    offered = [0]
    ok, total = [0], [0]
    lock = threading.Lock()

    def flooder() -> None:
        while time.monotonic() < stop:
            try:
                submit(port, form_token, "flood")
            except OSError:
                pass
            with lock:
                offered[0] += 1

    def person(codename: str) -> None:
        while time.monotonic() < stop:
            good = False
            try:
                status, _b, headers = request(
                    port, "POST", "/enter/", {"codename": codename, "form_token": form_token}
                )
                if status == 302:
                    cookie = headers.get("set-cookie", "").split(";", 1)[0]
                    good = request(port, "GET", "/inbox/", cookie=cookie)[0] == 200
            except OSError:
                good = False
            with lock:
                total[0] += 1
                ok[0] += int(good)

    threads = [threading.Thread(target=flooder) for _ in range(64)] + [
        threading.Thread(target=person, args=(c,)) for c in returning
    ]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return offered[0] / (time.monotonic() - start), ok[0], total[0], offered[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="haven-load-")
    env = {**os.environ, "HAVEN_DATA_DIR": data}
    subprocess.run(
        ["uv", "run", "haven", "demo", "--no-serve"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    sealed_runs, plain_runs = [], []
    for _ in range(args.runs):
        for plain, out in ((False, sealed_runs), (True, plain_runs)):
            port = free_port()
            server = start_server(data, port, plain=plain, admission=False)
            try:
                out.append(closed_loop(port, args.clients, args.seconds))
            finally:
                server.terminate()
                server.wait()
    for name, runs in (("sealed", sealed_runs), ("plain write", plain_runs)):
        print(
            f"{name}: throughput median {median([r[0] for r in runs]):.1f}/s, p50 {median([r[1] for r in runs]):.0f} ms, p99 {median([r[2] for r in runs]):.0f} ms, errors {sum(r[3] for r in runs)} ({args.runs} runs x {args.seconds:.0f} s, {args.clients} clients)"
        )
    overhead = 1 - median([r[0] for r in sealed_runs]) / median([r[0] for r in plain_runs])
    print(f"sealing overhead on throughput: {overhead * 100:.1f} %")
    capacity = median([r[0] for r in sealed_runs])
    # Returning people: codenames from fresh submissions on a server with admission lifted.
    port = free_port()
    server = start_server(data, port, plain=False, admission=False)
    codenames = [
        CODENAME.search(submit(port, token(port), "вернусь позже")[1].decode()).group(1)
        for _ in range(4)
    ]  # type: ignore[union-attr]
    server.terminate()
    server.wait()
    os.environ["BENCH_ADMIT_RATE"] = (
        f"{max(1.0, capacity / 4):.1f}"  # per process: half the capacity in all
    )
    port = free_port()
    server = start_server(data, port, plain=False, admission=True)
    try:
        rate, ok, total, offered = flood(port, args.seconds, codenames)
    finally:
        server.terminate()
        server.wait()
    print(
        f"flood: {rate:.0f} new submissions/s offered ({rate / capacity:.1f}x the measured capacity of {capacity:.1f}/s); returning codename sign-in + inbox: {ok}/{total} succeeded ({ok / max(1, total) * 100:.1f} %)"
    )


if __name__ == "__main__":
    sys.exit(main())

"""One phase (a configuration served and exercised) and the command line."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from haven.testing.nginx_disk.harness import (
    ADDRESS,
    BEFORE,
    MIB,
    ONION_HOST,
    ROOT,
    SHIPPED,
    STAFF_HOST,
    Outcome,
    Phase,
    _free_port,
    _stop,
    _wait_for_port,
)
from haven.testing.nginx_disk.installation import _prepare
from haven.testing.nginx_disk.nginx import _certificate, _nginx_conf, _site
from haven.testing.nginx_disk.transfers import Browser, _transfers
from haven.testing.nginx_disk.watch import OpenFileWatch


def _scan(folder: Path, marker: bytes, label: str) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*")) if folder.exists() else []:
        if path.is_file() and not path.is_symlink() and marker in path.read_bytes():
            found.append(f"{label}: {path.relative_to(folder)}")
    return found


def _addresses(logs: Path) -> list[str]:
    found = []
    for path in sorted(logs.rglob("*")):
        if path.is_file():
            for line in path.read_bytes().splitlines():
                if ADDRESS in line:
                    found.append(f"{path.name}: {line.decode(errors='replace')[:300]}")
    return found


def run_phase(
    phase: Phase, base: Path, env: dict[str, str], incident: str, officer: str
) -> Outcome:
    root = base / phase.name
    prefix, logs, temp, tmp, kept = (
        root / n for n in ("nginx", "logs", "nginx-temp", "tmp", "kept")
    )
    for folder in (prefix, logs, temp, tmp, kept, root / "static"):
        folder.mkdir(parents=True)
    _certificate(root / "tls")
    ports = {n: _free_port() for n in ("tls", "portal", "gunicorn", "http")}
    marker = f"HAVEN-DISK-MARKER-{uuid.uuid4().hex}".encode()
    site = prefix / "haven.conf"
    site.write_text(
        _site(
            phase.config.read_text(),
            ports=ports,
            logs=logs,
            tls=root / "tls",
            static=root / "static",
        )
    )
    conf = prefix / "nginx.conf"
    conf.write_text(_nginx_conf(prefix, logs, temp, site))
    data = Path(env["HAVEN_DATA_DIR"])
    server_env = env | {
        "TMPDIR": str(tmp),
        "HAVEN_OBSERVE_DIRS": os.pathsep.join([str(tmp), str(data)]),
        "HAVEN_OBSERVE_KEEP": str(kept),
        "HAVEN_OBSERVE_DJANGO_DEFAULT_UPLOADS": "1" if phase.django_default_uploads else "0",
    }
    gunicorn = nginx = None
    outcome = Outcome()
    began = time.monotonic()
    try:
        with open(root / "gunicorn.log", "wb") as gunicorn_log:
            gunicorn = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "haven.testing.observed_wsgi:application"]
                + ["-b", f"127.0.0.1:{ports['gunicorn']}", "-k", "gthread", "-w", "1"]
                + ["--threads", "4", "--log-level", "warning"],
                cwd=ROOT,
                env=server_env,
                start_new_session=True,
                stdout=gunicorn_log,
                stderr=gunicorn_log,
            )
        nginx = subprocess.Popen(
            ["nginx", "-p", str(prefix), "-c", str(conf), "-e", str(logs / "startup.log")],
            env=server_env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=open(logs / "startup.log", "ab"),  # noqa: SIM115  (closed with the process)
        )
        _wait_for_port(ports["gunicorn"], gunicorn, "gunicorn", root / "gunicorn.log")
        _wait_for_port(ports["portal"], nginx, "nginx", logs / "startup.log")
        started = round(time.monotonic() - began, 1)
        watched = {
            "nginx client_body_temp": temp / "client_body",
            "nginx proxy_temp": temp / "proxy",
            "nginx temp": temp,
            "TMPDIR": tmp,
        }
        watch = OpenFileWatch([gunicorn.pid, nginx.pid], watched, marker)
        watch.start()
        try:
            portal = Browser(ports["portal"], ONION_HOST, None)
            staff = Browser(ports["tls"], STAFF_HOST, root / "tls")
            outcome.checks = _transfers(portal, staff, watch, incident, officer)
            outcome.checks["seconds"]["servers started"] = started
        finally:
            watch.halt.set()
            watch.join()
        outcome.findings = sorted(watch.found)
    finally:
        _stop(nginx, signal.SIGQUIT)
        _stop(gunicorn)
    outcome.findings += _scan(temp, marker, "nginx temp folders")
    outcome.findings += _scan(tmp, marker, "TMPDIR")
    outcome.findings += _scan(kept, marker, "TMPDIR (deleted during the request)")
    outcome.findings += _scan(data, marker, "data dir")
    outcome.findings += _scan(logs, marker, "nginx logs")
    if marker in (root / "gunicorn.log").read_bytes():
        outcome.findings.append("gunicorn and Haven log: gunicorn.log")
    outcome.addresses = _addresses(logs)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m haven.testing.nginx_disk",
        description="Does a plaintext byte reach a disk, or an address a log, behind Debian's nginx?",
    )
    parser.add_argument("--config", type=Path, default=SHIPPED)
    parser.add_argument(
        "--compare-before",
        action="store_true",
        help="also run the configuration before issue 14, with Django's own upload handlers",
    )
    parser.add_argument("--keep", action="store_true", help="keep the throwaway folders")
    args = parser.parse_args(argv)
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        print(json.dumps({"error": "nginx is not installed (apt-get install -y nginx)"}))
        return 2
    os.environ["PATH"] = os.environ.get("PATH", "") + os.pathsep + "/usr/sbin"
    base = Path(tempfile.mkdtemp(prefix="haven-nginx-disk-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DATABASE_URL"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "haven.settings",
        "HAVEN_DATA_DIR": str(base / "data"),
        "HAVEN_ALLOWED_HOSTS": f"{STAFF_HOST},{ONION_HOST}",
        "HAVEN_BEHIND_PROXY": "1",
        "HAVEN_SECURE_COOKIES": "1",
        "HAVEN_HSTS_SECONDS": "31536000",
        "HAVEN_SERVE_STATIC": "0",
        "HAVEN_LOG_LEVEL": "WARNING",
        "HAVEN_PORTAL_MIN_SECONDS": "0",
        "HAVEN_ARGON2_OPSLIMIT": "1",
        "HAVEN_ARGON2_MEMLIMIT": str(8 * MIB),
        "HAVEN_CODENAME_ARGON2_OPSLIMIT": "1",
        "HAVEN_CODENAME_ARGON2_MEMLIMIT": str(8 * MIB),
    }
    os.environ.update(env)
    try:
        began = time.monotonic()
        incident, officer = _prepare(base / "data")
        prepared = round(time.monotonic() - began, 1)
        phases = [Phase("shipped", args.config)]
        if args.compare_before:
            phases.append(Phase("before", BEFORE, django_default_uploads=True))
        report: dict[str, Any] = {"prepare_seconds": prepared}
        for phase in phases:
            began = time.monotonic()
            outcome = run_phase(phase, base, env, incident, officer)
            report[phase.name] = {
                "config": str(phase.config),
                "findings": outcome.findings,
                "addresses": outcome.addresses[:20],
                "checks": outcome.checks,
                "seconds": round(time.monotonic() - began, 1),
            }
        print(json.dumps(report, indent=2, ensure_ascii=False))
        shipped = report["shipped"]
        clean = not shipped["findings"] and not shipped["addresses"]
        return 0 if clean else 1
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)

"""What the harness sends and looks for, the phases and their outcome, and the processes it
starts and stops."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "deploy" / "nginx-haven.conf"
BEFORE = ROOT / "haven" / "core" / "tests" / "data" / "nginx-haven-before-issue-14.conf"
STAFF_HOST = "staff.example.org"
ONION_HOST = "exampleonionaddressxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion"
PASSWORD = "nginx disk harness password, throwaway installation"  # noqa: S105
MIB = 1024 * 1024
PORTAL_BYTES = 8 * MIB
EVIDENCE_BYTES = 17 * MIB
HOLD_SECONDS = 1.5
ADDRESS = b"127.0.0.1"
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CODENAME = re.compile(r'<p class="codename"[^>]*><strong>([^<]+)</strong>')


@dataclass
class Phase:
    name: str
    config: Path
    django_default_uploads: bool = False


@dataclass
class Outcome:
    findings: list[str] = field(default_factory=list)  # "where: what" for each marker found
    addresses: list[str] = field(default_factory=list)  # "log file: line" naming 127.0.0.1
    checks: dict[str, Any] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            text = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"{what} exited while starting:\n{text[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not start")


def _stop(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(20)
    except ProcessLookupError:
        pass

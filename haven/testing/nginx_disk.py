"""Does a plaintext byte reach a disk, or an address a log, behind Debian's nginx? (issue 14,
findings 6 and 10)

    uv run python -m haven.testing.nginx_disk                  # deploy/nginx-haven.conf
    uv run python -m haven.testing.nginx_disk --compare-before # and the configuration before

A throwaway installation (SQLite) served by the real WSGI app under gunicorn on loopback, behind
Debian's nginx running `deploy/nginx-haven.conf` (ports, paths and certificate swapped for local
ones; the surrounding nginx.conf keeps Debian's own main error log and http-level access log).
Through nginx, a person sends an 8 MB PDF with the portal form (twice: with a Content-Length,
and chunked), a documentation officer signs in
over TLS, adds a 17 MB evidence file and downloads it decrypted. Each file repeats a marker that
appears nowhere else. Each transfer is held half-way for a moment (the upload before its last
KB, the download after its headers), which is exactly when nginx would spool it to
client_body_temp or proxy_temp; meanwhile every file that nginx and gunicorn hold open under
the watched folders is read (a temporary file is unlinked at once but stays readable through
/proc/PID/fd). Django's temporary upload files are copied by an audit hook just before they are
deleted (haven.testing.observed_wsgi). Afterwards nginx's temporary folders, the TMPDIR of both
servers, those copies and the data dir are read whole, looking for the marker, and nginx's logs
for "127.0.0.1" (the address every request here comes from). A few requests nginx answers with
an error (a missing static file, a body over the limit) make sure its error log has something
to say.

Prints one JSON object: per phase, what was found where, and whether each transfer worked.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookies
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
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


# --- the installation -------------------------------------------------------------------------


def _prepare(data: Path) -> tuple[str, str]:
    """Migrate; a coordinator sets up the intake vault; a documentation officer opens an
    incident. Returns (incident id, documentation officer's user name)."""
    import django

    from haven.lib.private_data import start_private

    start_private()  # as every haven command does: creates the data dir, 0700
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from haven.accounts.actions import create_staff_user
    from haven.accounts.models import User
    from haven.evidence import actions as evidence_actions
    from haven.intake import actions as intake_actions
    from haven.vault.keyring import Keyring
    from haven.vault.userkeys import unwrap_user_key

    def staff(username: str, role: str) -> tuple[User, Keyring]:
        user = create_staff_user(actor=None, username=username, roles=[role], password=PASSWORD)
        private = unwrap_user_key(user.user, PASSWORD)
        assert private is not None
        return user.user, Keyring(user.user, private)

    coordinator, ring = staff("coordinator", "coordinator")
    intake_actions.set_up_intake_vault(actor=coordinator, keyring=ring)
    officer, ring = staff("docofficer", "documentation")
    incident = evidence_actions.create_incident(keyring=ring, title="Задержание", violations=[])
    from django.db import connections

    connections.close_all()
    return str(incident.id), officer.username


def _totp(username: str) -> str:
    from django.db import connections

    from haven.accounts.models import User
    from haven.testing.personas import current_code

    try:
        return current_code(User.objects.get(username=username))
    finally:
        # The scan later reads the SQLite files whole; closing that read would drop this
        # process's POSIX locks under a live connection, which corrupts the database.
        connections.close_all()


# --- nginx ------------------------------------------------------------------------------------


def _certificate(folder: Path) -> None:
    folder.mkdir(parents=True)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", f"/CN={STAFF_HOST}", "-addext", f"subjectAltName=DNS:{STAFF_HOST}"]
        + ["-keyout", str(folder / "privkey.pem"), "-out", str(folder / "fullchain.pem")],
        check=True,
        capture_output=True,
        timeout=60,
    )


def _site(text: str, *, ports: dict[str, int], logs: Path, tls: Path, static: Path) -> str:
    """The deploy file with local ports and folders. Every swap must apply: a deploy file that
    no longer looks as expected fails here, instead of being tested half."""
    swaps = [
        ("listen 443 ssl;", f"listen 127.0.0.1:{ports['tls']} ssl;"),
        ("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{ports['portal']};"),
        ("http://127.0.0.1:8000", f"http://127.0.0.1:{ports['gunicorn']}"),
        ("/etc/ssl/haven/", f"{tls}/"),
        ("/var/log/nginx/", f"{logs}/"),
    ]
    for old, new in swaps:
        if old not in text:
            raise RuntimeError(f"the nginx configuration no longer has {old!r}")
        text = text.replace(old, new)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{ports['http']};")
    text, n = re.subn(r"alias [^;]+;", f"alias {static}/;", text)
    if not n:
        raise RuntimeError("the nginx configuration serves no /static/")
    return text


def _nginx_conf(prefix: Path, logs: Path, temp: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf sets around a site, with local paths."""
    user = ""
    if os.geteuid() == 0:  # workers would otherwise drop to nobody and lose the folders
        user = "user root;\n"
    temps = "".join(
        f"    {kind}_temp_path {temp / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\ndaemon off;\npid {prefix / 'nginx.pid'};\n"
        f"error_log {logs / 'error.log'};\n"
        "events { worker_connections 64; }\n"
        "http {\n    sendfile on;\n    tcp_nopush on;\n    default_type application/octet-stream;\n"
        f"    access_log {logs / 'access.log'};\n    gzip on;\n{temps}"
        f"    include {site};\n}}\n"
    )


# --- watching open files ----------------------------------------------------------------------


def _group(pgids: list[int]) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        if len(fields) > 2 and int(fields[2]) in pgids:
            pids.append(int(entry))
    return pids


class OpenFileWatch(threading.Thread):
    """Reads every file that the servers hold open under the watched folders, deleted or not."""

    def __init__(self, pgids: list[int], watched: dict[str, Path], marker: bytes) -> None:
        super().__init__(daemon=True)
        self.pgids, self.watched, self.marker = pgids, watched, marker
        self.found: set[str] = set()
        self.halt = threading.Event()
        self._sizes: dict[tuple[int, str], int] = {}

    def run(self) -> None:
        while not self.halt.is_set():
            for pid in _group(self.pgids):
                self._look(pid)
            time.sleep(0.01)

    def _look(self, pid: int) -> None:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            return
        for fd in fds:
            link = f"/proc/{pid}/fd/{fd}"
            try:
                target = os.readlink(link).removesuffix(" (deleted)")
                size = os.stat(link).st_size
            except OSError:
                continue
            for label, folder in self.watched.items():
                if not target.startswith(f"{folder}/"):
                    continue
                key = (pid, target)
                if self._sizes.get(key) == size:
                    continue
                self._sizes[key] = size
                try:
                    with open(link, "rb") as f:
                        content = f.read()
                except OSError:
                    continue
                if self.marker in content:
                    self.found.add(f"{label}: open file {Path(target).name}")

    def wait_for(self, label: str, seconds: float) -> None:
        """Hold a transfer until the marker shows up under `label`, or `seconds` pass."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(f.startswith(label) for f in self.found):
                return
            time.sleep(0.02)


# --- HTTP -------------------------------------------------------------------------------------


class Browser:
    def __init__(self, port: int, host: str, tls: Path | None) -> None:
        self.port, self.host, self.tls = port, host, tls
        self.cookies: dict[str, str] = {}

    def _connection(self) -> http.client.HTTPConnection:
        if self.tls is None:
            return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        context = ssl.create_default_context(cafile=str(self.tls / "fullchain.pem"))
        context.check_hostname = False  # the certificate names staff.example.org, not 127.0.0.1
        return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=120, context=context)

    def _headers(self, extra: dict[str, str]) -> dict[str, str]:
        headers = {"Host": self.host, "Accept-Language": "en", **extra}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.tls is not None:
            headers["Origin"] = f"https://{self.host}"
        return headers

    def _remember(self, response: http.client.HTTPResponse) -> None:
        for raw in response.msg.get_all("Set-Cookie") or []:
            jar: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        hold_upload: Callable[[], None] | None = None,
        hold_download: Callable[[], None] | None = None,
        chunked: bool = False,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = self._connection()
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            all_headers = self._headers(headers or {})
            if chunked:
                # A body of unknown length: nginx cannot size a buffer from Content-Length.
                all_headers["Transfer-Encoding"] = "chunked"
                pieces = [body[i : i + 65536] for i in range(0, len(body), 65536)]
                body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in pieces) + b"0\r\n\r\n"
            elif body or method == "POST":
                all_headers.setdefault("Content-Length", str(len(body)))
            for name, value in all_headers.items():
                conn.putheader(name, value)
            conn.endheaders()
            if body:
                cut = max(0, len(body) - 1024) if hold_upload else len(body)
                conn.send(body[:cut])
                if hold_upload:
                    hold_upload()
                conn.send(body[cut:])
            response = conn.getresponse()
            if hold_download:
                hold_download()
            data = response.read()
            self._remember(response)
            return response.status, response.msg, data
        finally:
            conn.close()


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _found(text: bytes, pattern: re.Pattern[str]) -> str:
    match = pattern.search(text.decode("utf-8", "replace"))
    if not match:
        raise RuntimeError(f"expected {pattern.pattern!r} in the page:\n{text[:1500]!r}")
    return match.group(1)


def _transfers(
    portal: Browser, staff: Browser, watch: OpenFileWatch, incident: str, officer: str
) -> dict[str, Any]:
    from haven.testing.disk import marker_bytes, marker_pdf

    marker = watch.marker
    checks: dict[str, Any] = {"seconds": {}}
    began = time.monotonic()

    def lap(step: str) -> None:
        nonlocal began
        checks["seconds"][step] = round(time.monotonic() - began, 1)
        began = time.monotonic()

    # A person asks for help with a large PDF, through the onion side.
    status, msg, page = portal.request("GET", "/help/?lang=en")
    checks["portal_hsts"] = msg.get_all("Strict-Transport-Security") or []
    fields = {"text": "Please help", "felt_urgency": "days", "contact": ""}
    fields["form_token"] = _found(page, TOKEN)
    body, kind = _multipart(
        fields, {"attachments": ("statement.pdf", marker_pdf(marker, PORTAL_BYTES))}
    )
    status, _msg, page = portal.request(
        "POST",
        "/help/?lang=en",
        body,
        {"Content-Type": kind},
        hold_upload=lambda: watch.wait_for("nginx client_body_temp", HOLD_SECONDS),
    )
    checks["portal_upload"] = status == 200 and bool(CODENAME.search(page.decode()))
    lap("portal upload")
    status, msg, page = portal.request("GET", "/help/?lang=en")
    fields["form_token"] = _found(page, TOKEN)
    body, kind = _multipart(fields, {"attachments": ("scan.pdf", marker_pdf(marker, PORTAL_BYTES))})
    status, _msg, page = portal.request(
        "POST",
        "/help/?lang=en",
        body,
        {"Content-Type": kind},
        hold_upload=lambda: watch.wait_for("nginx client_body_temp", HOLD_SECONDS),
        chunked=True,
    )
    checks["portal_upload_chunked"] = status == 200 and bool(CODENAME.search(page.decode()))
    lap("portal upload, chunked")

    # A documentation officer signs in over TLS and adds a large evidence file.
    status, msg, page = staff.request("GET", "/staff/login/")
    checks["staff_hsts"] = msg.get_all("Strict-Transport-Security") or []
    login = {"username": officer, "password": PASSWORD, "otp_token": _totp(officer)}
    login["csrfmiddlewaretoken"] = _found(page, CSRF)
    form = "&".join(f"{k}={v}" for k, v in login.items()).replace(" ", "+").encode()
    status, _msg, _page = staff.request(
        "POST", "/staff/login/", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    checks["staff_sign_in"] = status == 302
    lap("staff sign-in")
    evidence = marker_bytes(marker, EVIDENCE_BYTES)
    status, _msg, page = staff.request("GET", f"/staff/evidence/{incident}/files/new/")
    body, kind = _multipart(
        {"csrfmiddlewaretoken": _found(page, CSRF), "notes": ""},
        {"file": ("recording.bin", evidence)},
    )
    status, msg, _page = staff.request(
        "POST",
        f"/staff/evidence/{incident}/files/new/",
        body,
        {"Content-Type": kind},
        hold_upload=lambda: watch.wait_for("nginx client_body_temp", HOLD_SECONDS),
    )
    location = msg.get("Location", "")
    checks["staff_upload"] = status == 302 and "/staff/evidence/files/" in location
    lap("staff upload")
    # ... and downloads it, decrypted, while the browser is slow to take it.
    if checks["staff_upload"]:
        status, _msg, data = staff.request(
            "GET",
            location.rstrip("/") + "/download/?copy=original",
            hold_download=lambda: watch.wait_for("nginx proxy_temp", HOLD_SECONDS),
        )
        checks["staff_download"] = status == 200 and data == evidence
        lap("staff download")

    # Requests nginx itself answers with an error: its error log would name the client.
    checks["missing_static"] = [
        portal.request("GET", "/static/no-such-file.css")[0],
        staff.request("GET", "/static/no-such-file.css")[0],
    ]
    checks["body_over_limit"] = portal.request(
        "POST", "/help/", headers={"Content-Length": str(200 * MIB)}, body=b""
    )[0]
    return checks


# --- a phase ----------------------------------------------------------------------------------


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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


if __name__ == "__main__":
    sys.exit(main())

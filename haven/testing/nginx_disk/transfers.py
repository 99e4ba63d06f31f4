"""The requests of a phase, through nginx: the portal form, a sign-in over TLS, an evidence
upload and its download, each held half-way."""

from __future__ import annotations

import http.client
import http.cookies
import re
import ssl
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from haven.testing.nginx_disk.harness import (
    CODENAME,
    CSRF,
    EVIDENCE_BYTES,
    HOLD_SECONDS,
    MIB,
    PASSWORD,
    PORTAL_BYTES,
    TOKEN,
)
from haven.testing.nginx_disk.installation import _totp
from haven.testing.nginx_disk.watch import OpenFileWatch


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

"""Loopback HTTP for the benchmarks that drive a real gunicorn (a free port and one request),
and the sink that Apprise's json:// channel posts alerts to."""

from __future__ import annotations

import http.client
import http.server
import json
import re
import socket
import threading
import time

# An incident's reference in an alert's text (haven.safety: "HV-" and its code).
REFERENCE = re.compile(r"HV-[0-9A-Z]{4,12}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(
    port: int, method: str, path: str, body: str = "", cookie: str = "", *, timeout: float
) -> tuple[int, str, dict[str, str]]:
    """One request on a fresh connection: status, text and lower-cased response headers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        if cookie:
            headers["Cookie"] = cookie
        conn.request(method, path, body=body.encode() if body else None, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, text, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


class Sink:
    """An HTTP server that Apprise's json:// channel posts alerts to; it keeps (time, reference)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[float, str]] = []
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace")
                try:
                    message = str(json.loads(body).get("message", ""))
                except ValueError:
                    message = body
                found = REFERENCE.search(message)
                with sink.lock:
                    sink.received.append((time.time(), found.group(0) if found else ""))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def first_after(self, t: float, references: dict[str, float]) -> float | None:
        """When the first alert for a deadline falling due after `t` arrived."""
        with self.lock:
            times = [at for at, ref in self.received if references.get(ref, 0) > t]
        return min(times) if times else None


def add_sink_channel(username: str, port: int) -> None:
    from haven.accounts.models import User
    from haven.safety.channels import seal_url
    from haven.safety.models import Channel

    user = User.objects.get(username=username)
    channel = Channel(user=user, label="drill sink", priority=1)
    channel.encrypted_url = seal_url(channel.id, f"json://127.0.0.1:{port}/")
    channel.save()

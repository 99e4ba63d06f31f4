"""Loopback HTTP for the benchmarks that drive a real gunicorn: a free port and one request."""

from __future__ import annotations

import http.client
import socket


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

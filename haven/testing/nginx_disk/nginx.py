"""Debian's nginx running the shipped site configuration, with local ports, paths and a
self-signed certificate swapped in."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from haven.testing.nginx_disk.harness import STAFF_HOST


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

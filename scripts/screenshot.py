"""Screenshots of the demo for the README: `uv run python scripts/screenshot.py` (needs chromium).

Starts `haven demo` on a free port with a throwaway data folder, signs in through the real form,
and writes PNGs to docs/img/. Pages to shoot are given as (file, user, path)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
SHOTS = [
    ("staff-login.png", None, "/staff/login/"),
    ("staff-home.png", "coordinator", "/staff/"),
    ("missing-matches.png", "docofficer", "/staff/missing/matches/"),
]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    port = free_port()
    env = {**os.environ, "HAVEN_DATA_DIR": tempfile.mkdtemp(prefix="haven-shot-")}
    server = subprocess.Popen(
        ["uv", "run", "haven", "demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/staff/login/", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for name, user, path in SHOTS:
                page = browser.new_page(
                    viewport={
                        "width": int(sys.argv[1]) if len(sys.argv) > 1 else 1200,
                        "height": 800,
                    }
                )
                if user:
                    code = subprocess.run(
                        ["uv", "run", "haven", "demo-code", user],
                        cwd=ROOT,
                        env=env,
                        capture_output=True,
                        text=True,
                        check=True,
                    ).stdout.strip()
                    page.goto(base + "/staff/login/")
                    page.fill("input[name=username]", user)
                    page.fill("input[name=password]", f"demo-{user}-pass")
                    page.fill("input[name=otp_token]", code)
                    page.click("button[type=submit].primary")
                page.goto(base + path)
                page.screenshot(path=str(ROOT / "docs" / "img" / name), full_page=True)
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()

"""`haven check --deploy` is clean with the production settings that deploy/ ships, and the staff
site sends HSTS where the portal does not (issue 14, finding 9)."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[3]


def _production_env(tmp_path: Path) -> dict[str, str]:
    """deploy/haven.env.example, with its secret files and data dir made here."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DATABASE_URL"))}
    example = (ROOT / "deploy" / "haven.env.example").read_text(encoding="utf-8")
    for line in example.splitlines():
        if line.strip() and not line.startswith("#"):
            name, _eq, value = line.partition("=")
            env[name.strip()] = value.strip()
    (tmp_path / "secret_key").write_text(secrets.token_urlsafe(50))
    (tmp_path / "delivery_key").write_text("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=")
    (tmp_path / "audit_signing_key").write_text(
        base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    )
    (tmp_path / "watchdog_urls").write_text("json://127.0.0.1:9/watchdog")
    (tmp_path / "healthz_token").write_text(secrets.token_urlsafe(32))
    env |= {
        "HAVEN_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "HAVEN_DELIVERY_KEY_FILE": str(tmp_path / "delivery_key"),
        "HAVEN_AUDIT_SIGNING_KEY_FILE": str(tmp_path / "audit_signing_key"),
        "HAVEN_WATCHDOG_URLS_FILE": str(tmp_path / "watchdog_urls"),
        "HAVEN_HEALTHZ_TOKEN_FILE": str(tmp_path / "healthz_token"),
        "HAVEN_DATA_DIR": str(tmp_path / "data"),
        "HAVEN_MEDIA_ROOT": str(tmp_path / "data" / "files"),
        "HAVEN_STATIC_ROOT": str(tmp_path / "static"),
    }
    unplaced = [
        k
        for k, v in env.items()
        if k.startswith("HAVEN_") and k.endswith("_FILE") and v.startswith("/etc/")
    ]
    assert not unplaced, f"the example names secret files this test does not make: {unplaced}"
    return env


def test_the_deploy_check_is_clean_with_the_shipped_production_settings(tmp_path: Path) -> None:
    env = _production_env(tmp_path)
    assert env["HAVEN_ENV"] == "production"
    run = subprocess.run(
        [sys.executable, "-m", "haven.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "System check identified no issues" in run.stdout, run.stdout + run.stderr


@pytest.mark.django_db
def test_the_staff_site_over_https_sends_hsts_and_the_onion_portal_does_not(settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    staff = Client().get("/staff/login/", HTTP_X_FORWARDED_PROTO="https")
    assert staff["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    portal = Client().get("/", HTTP_X_FORWARDED_PROTO="http")
    assert portal.status_code == 200
    assert "Strict-Transport-Security" not in portal

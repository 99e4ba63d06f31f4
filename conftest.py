"""Test setup shared by every app: fast Argon2 (one fixture), a file-backed SQLite test
database (so the leak scan can read it), the personas, and signed-in clients."""

from __future__ import annotations

import logging
import os
import tempfile

import pytest


def _hypothesis_profile() -> None:
    """No per-example deadline: CI machines are shared and noisy, and a first example that loads
    a model (pymorphy3, natasha) would otherwise fail as "flaky". Property tests bound their work
    with max_examples instead."""
    from hypothesis import settings

    settings.register_profile("haven", deadline=None)
    settings.load_profile("haven")


_hypothesis_profile()


def pytest_configure(config: pytest.Config) -> None:
    """The one place tests make crypto fast: Argon2id at its cheapest for keys, codenames and
    password hashes. Production parameters are measured in bench/, never here."""
    from pathlib import Path

    from django.conf import settings

    settings.HAVEN_ARGON2_OPSLIMIT = 1
    settings.HAVEN_ARGON2_MEMLIMIT = 8 * 1024 * 1024
    settings.HAVEN_CODENAME_ARGON2_OPSLIMIT = 1
    settings.HAVEN_CODENAME_ARGON2_MEMLIMIT = 8 * 1024 * 1024
    settings.HAVEN_PORTAL_MIN_SECONDS = 0.0
    settings.DATA_DIR = Path(tempfile.mkdtemp(prefix="haven-test-"))
    settings.MEDIA_ROOT = settings.DATA_DIR / "files"
    settings.PASSWORD_HASHERS = ["haven.testing.hashers.FastArgon2PasswordHasher"]
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = os.path.join(settings.DATA_DIR, "test.sqlite3")


@pytest.fixture(autouse=True)
def _capture_all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log line of every test is captured, so leak tests can scan them."""
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.fixture
def personas(db: None) -> object:
    from haven.accounts.models import Role
    from haven.testing.personas import Personas, make_staff

    return Personas(
        operator=make_staff("op", Role.OPERATOR),
        caseworker=make_staff("cw", Role.CASEWORKER),
        coordinator=make_staff("coord", Role.COORDINATOR),
        coordinator2=make_staff("coord2", Role.COORDINATOR),
        lawyer=make_staff("lawyer", Role.LAWYER),
        docofficer=make_staff("doc", Role.DOCUMENTATION),
        admin=make_staff("admin", Role.ADMIN),
        outsider=make_staff("outsider", Role.CASEWORKER),
    )


@pytest.fixture
def client_for(db: None):  # type: ignore[no-untyped-def]
    """client_for(user) -> a Django test client signed in as that user through the real login."""
    from django.test import Client

    from haven.testing.personas import sign_in

    def make(user, password=None):  # type: ignore[no-untyped-def]
        client = Client()
        return sign_in(client, user) if password is None else sign_in(client, user, password)

    return make


@pytest.fixture
def strict_templates(settings):  # type: ignore[no-untyped-def]
    """Templates raise on a missing variable (haven/testing/strict_templates.py) for this test."""
    from haven.testing.strict_templates import strict_templates_setting

    settings.TEMPLATES = strict_templates_setting(settings.TEMPLATES)
    return settings

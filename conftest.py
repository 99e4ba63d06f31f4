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


# Fixtures through which a test reaches the database (pytest-django's, and the server a browser
# journey drives). A test whose fixture closure holds none of them, and that carries no
# django_db mark, never opens a connection; a test that hands the pass's database to a
# subprocess says so with the `database` mark.
_DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_setup",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)


def uses_database(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return (
        bool(names & _DATABASE_FIXTURES)
        or item.get_closest_marker("django_db") is not None
        or item.get_closest_marker("database") is not None
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The second pass of scripts/test (HAVEN_TEST_DATABASE_ONLY=1, on PostgreSQL) runs only the
    tests that touch the database: the others (names, redaction, crypto, the channels' exchanges
    with their servers) already ran in the SQLite pass and cannot behave differently on another
    database. Run pytest yourself on PostgreSQL without the variable to run everything.

    On PostgreSQL, tests marked `engine_independent` are skipped whatever the variable: what
    they check (accessibility of the markup, the crash harness's own verdict, the HA drill on
    its own PostgreSQL pair) is the same on either database and ran in the SQLite pass."""
    if os.environ.get("HAVEN_TEST_DB") == "postgresql":
        once = pytest.mark.skip(
            reason="does not depend on the database engine: run in the SQLite pass"
        )
        for item in items:
            if item.get_closest_marker("engine_independent") is not None:
                item.add_marker(once)
    if os.environ.get("HAVEN_TEST_DATABASE_ONLY") != "1":
        return
    skip = pytest.mark.skip(reason="touches no database: run in the SQLite pass")
    for item in items:
        if not uses_database(item):
            item.add_marker(skip)

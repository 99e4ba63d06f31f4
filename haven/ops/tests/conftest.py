from __future__ import annotations

from pathlib import Path

import pyrage
import pytest

from haven.cases import actions as cases
from haven.testing.personas import keyring_for
from haven.vault import blind_index


@pytest.fixture
def age_key(tmp_path: Path) -> tuple[str, Path]:
    """An age key pair: the public key, and an identity file as age-keygen writes it."""
    identity = pyrage.x25519.Identity.generate()
    path = tmp_path / "backup-key.txt"
    path.write_text(
        f"# created: 2026-01-01T00:00:00Z\n# public key: {identity.to_public()}\n{identity}\n"
    )
    return str(identity.to_public()), path


@pytest.fixture
def a_case(personas):  # type: ignore[no-untyped-def]
    """A case with one person, sealed in its own vault, the way the cases app makes them."""
    blind_index.set_up_index_vault(
        actor=personas.coordinator,
        keyring=keyring_for(personas.coordinator),
        members=[personas.caseworker, personas.coordinator],
    )
    ring = keyring_for(personas.caseworker)
    case = cases.create_case(keyring=ring, risk="high", risk_reason="угрозы семьи")
    cases.save_person(
        keyring=ring,
        case=case,
        values={"given_name": "Ислам", "family_name": "Исаев", "aliases": ["Isa"]},
    )
    return case


@pytest.fixture(autouse=True)
def _english() -> object:
    """Operator messages are matched in English here (the CLI speaks LANGUAGE_CODE, Russian)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def s3_server():  # type: ignore[no-untyped-def]
    """One S3 endpoint on loopback for the session (haven/testing/s3server.py)."""
    from haven.testing import s3server

    with s3server.running() as server:
        yield server


@pytest.fixture
def s3_storage(s3_server, settings):  # type: ignore[no-untyped-def]
    """HAVEN_STORAGE=s3 against a fresh versioned bucket: sealed files go there."""
    import secrets

    bucket = f"haven-{secrets.token_hex(4)}"
    s3_server.make_bucket(bucket, versioned=True)
    settings.HAVEN_STORAGE = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "sealed": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_server.storage_options(bucket),
        },
    }
    s3_server.bucket = bucket
    return s3_server

from __future__ import annotations

import pytest

from haven.missing import actions
from haven.testing.personas import keyring_for
from haven.vault import blind_index


@pytest.fixture
def index(personas):  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.coordinator)
    return blind_index.set_up_index_vault(
        actor=personas.coordinator,
        keyring=ring,
        members=[personas.caseworker, personas.docofficer, personas.coordinator2],
    )


@pytest.fixture
def registry(personas, index):  # type: ignore[no-untyped-def]
    """The registry, held by the coordinators, the documentation officer and the caseworker
    (not by the lawyer, the operator, the admin or the outsider)."""
    return actions.set_up_registry(
        keyring=keyring_for(personas.coordinator),
        members=[personas.docofficer, personas.caseworker, personas.coordinator2],
    )


@pytest.fixture
def doc_ring(personas, registry):  # type: ignore[no-untyped-def]
    return keyring_for(personas.docofficer)


@pytest.fixture
def report(doc_ring):  # type: ignore[no-untyped-def]
    return actions.save_report(
        keyring=doc_ring,
        values={
            "given_name": "Хасан",
            "family_name": "Абдулаев",
            "patronymic": "Магомедович",
            "birth": {"year": 1996},
            "last_seen": {"place": "Грозный", "date": "2026-09-14"},
            "reporter": {"name": "Мать", "contact": "+7 900 000 00 00"},
        },
        source_kind="family",
        reliability="probable",
    )


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """Messages are asserted in English; an earlier test may have left Russian active."""
    from django.utils import translation

    with translation.override("en"):
        yield

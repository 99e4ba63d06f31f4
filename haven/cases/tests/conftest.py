from __future__ import annotations

import pytest

from haven.cases import actions
from haven.testing.personas import keyring_for
from haven.vault import blind_index


@pytest.fixture
def index(personas):  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.coordinator)
    return blind_index.set_up_index_vault(
        actor=personas.coordinator,
        keyring=ring,
        members=[personas.caseworker, personas.operator, personas.coordinator2, personas.outsider],
    )


@pytest.fixture
def case(personas, index):  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.caseworker)
    c = actions.create_case(keyring=ring, risk="high", risk_reason="угрозы семьи")
    actions.save_person(
        keyring=ring,
        case=c,
        values={"given_name": "Ислам", "family_name": "Исаев", "aliases": ["Isa"]},
    )
    return c

from __future__ import annotations

import pytest

from haven.intake import actions
from haven.testing.personas import keyring_for
from haven.vault.actions import grant_vault


@pytest.fixture
def intake_vault(personas):  # type: ignore[no-untyped-def]
    """The intake vault, held by the coordinator and granted to the operator."""
    ring = keyring_for(personas.coordinator)
    vault = actions.set_up_intake_vault(actor=personas.coordinator, keyring=ring)
    grant_vault(keyring=ring, vault=vault, user=personas.operator)
    return vault


@pytest.fixture
def form_token() -> str:
    from haven.intake.forms import form_token as make

    return make()


@pytest.fixture(autouse=True)
def _own_admission_budget(settings, tmp_path):  # type: ignore[no-untyped-def]
    """The admission budget lives in files shared by all processes; each test gets its own, so
    that one test's submissions never spend another's."""
    settings.HAVEN_ADMISSION_DIR = str(tmp_path / "admission")

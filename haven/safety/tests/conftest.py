from __future__ import annotations

import pytest

from haven.cases import actions as case_actions
from haven.safety import actions
from haven.safety.channels import OUTBOX, seal_url
from haven.safety.models import Channel
from haven.testing.personas import keyring_for


@pytest.fixture(autouse=True)
def _empty_outbox():  # type: ignore[no-untyped-def]
    OUTBOX.clear()
    yield
    OUTBOX.clear()


def add_channel(user, url: str = "outbox://test", priority: int = 1) -> Channel:  # type: ignore[no-untyped-def]
    channel = Channel(user=user, label="test", priority=priority)
    channel.encrypted_url = seal_url(channel.id, url)
    channel.save()
    return channel


@pytest.fixture
def watched_case(personas):  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.caseworker)
    case = case_actions.create_case(keyring=ring, risk="high")
    case_actions.save_person(
        keyring=ring, case=case, values={"given_name": "Салех", "family_name": "Магамадов"}
    )
    return vetted(personas, case)


def vetted(personas, case):  # type: ignore[no-untyped-def]
    """A case a coordinator has vetted: only such a case may be placed in a safe house."""
    case_actions.decide_vetting(actor=personas.coordinator, case=case, decision="approved")
    return case


@pytest.fixture
def watch(personas, watched_case):  # type: ignore[no-untyped-def]
    return actions.save_watch(
        actor=personas.caseworker,
        case=watched_case,
        interval_minutes=12 * 60,
        fixed_times=[],
        time_zone="Europe/Moscow",
        grace_minutes=30,
        pin="2468",
        duress_pin="1357",
    )

"""Bidi control characters typed into any field never reach a page (haven/lib/bidi.py,
haven.core.middleware.BidiControlMiddleware)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haven.cases import actions
from haven.lib.bidi import BIDI_CONTROLS, neutralise
from haven.testing.personas import keyring_for

OVERRIDE = "\u202e"


def test_neutralise_removes_every_bidi_control_and_keeps_every_letter() -> None:
    text = "Ислам \u202eИсаев\u202c \u2066ليلى\u2069 \u200fZoë\u200e\u061c 🏳️‍🌈"
    assert neutralise(text) == "Ислам Исаев ليلى Zoë 🏳️‍🌈"
    assert len(BIDI_CONTROLS) == 12


@given(st.text())
def test_neutralised_text_has_no_control_and_loses_nothing_else(text: str) -> None:
    out = neutralise(text)
    assert not set(out) & BIDI_CONTROLS
    assert out == "".join(c for c in text if c not in BIDI_CONTROLS)


@pytest.mark.django_db
def test_a_right_to_left_override_in_a_name_does_not_reach_the_case_page_or_the_case_list(
    personas, client_for
) -> None:
    ring = keyring_for(personas.caseworker)
    case = actions.create_case(keyring=ring, risk="high", risk_reason=f"угрозы {OVERRIDE}семьи")
    actions.save_person(
        keyring=ring,
        case=case,
        values={"given_name": f"Ислам{OVERRIDE}", "family_name": "\u2067Исаев\u2069"},
    )
    client = client_for(personas.caseworker)
    for path in (f"/staff/cases/{case.pk}/", "/staff/cases/"):
        page = client.get(path).content.decode()
        assert not set(page) & BIDI_CONTROLS, path
        assert "Ислам" in page and "Исаев" in page, path


@pytest.mark.django_db
def test_a_bidi_control_in_a_portal_message_does_not_reach_the_triage_page(
    personas, client_for
) -> None:
    from haven.intake import actions as intake
    from haven.vault.actions import grant_vault

    ring = keyring_for(personas.coordinator)
    vault = intake.set_up_intake_vault(actor=personas.coordinator, keyring=ring)
    grant_vault(keyring=ring, vault=vault, user=personas.operator)
    sent = intake.submit_request(
        text=f"Помогите {OVERRIDE}срочно", felt_urgency="now", contact="", files=[], language="ru"
    )
    page = client_for(personas.operator).get(f"/staff/intake/{sent.request.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Помогите срочно" in text and OVERRIDE not in text

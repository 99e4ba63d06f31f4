"""The alerts page (the bell in the top bar): what an alerted person reads in Russian."""

from __future__ import annotations

import pytest

from haven.alerts.actions import notify


@pytest.mark.django_db
def test_each_alert_offers_to_open_it_with_a_verb_not_the_triage_filter_word(
    personas, client_for
) -> None:
    """ "Open" was one msgid for the triage filter ("open requests", «Открытые») and the link
    to an alert, so every alert link read «Открытые»."""
    notify(
        recipients=[personas.lawyer],
        kind="panic",
        reference="HV-TEST0001",
        link="/staff/watch/incidents/00000000-0000-0000-0000-000000000000/",
    )
    page = client_for(personas.lawyer).get("/staff/notifications/").content.decode()
    assert ">Открыть</a>" in page
    assert "Открытые" not in page

"""The codename cookie is a session cookie (issue 14, finding 12): a browser forgets it when it
closes, while the server keeps ending an idle codename session after 30 minutes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from haven.intake import actions
from haven.intake.models import PortalSession


def _signed_in(form_token: str) -> tuple[Client, object]:
    codename = actions.submit_request(
        text="Мне нужна помощь", felt_urgency="now", contact="", files=[], language="ru"
    ).codename
    person = Client()
    entered = person.post("/enter/?lang=ru", {"codename": codename, "form_token": form_token})
    assert entered.status_code == 302 and entered["Location"].startswith("/inbox/")
    return person, entered


@pytest.mark.django_db
def test_the_codename_cookie_carries_no_expiry_so_the_browser_drops_it_when_it_closes(
    intake_vault, form_token
) -> None:
    person, entered = _signed_in(form_token)
    header = entered.cookies["haven_portal"].output(header="").lower()
    assert "haven_portal=" in header and "httponly" in header and "samesite=strict" in header
    assert "max-age" not in header
    assert "expires" not in header
    inbox = person.get("/inbox/?lang=ru")
    assert inbox.status_code == 200
    # Using the portal does not turn it into a persistent cookie either.
    assert "haven_portal" not in inbox.cookies


@pytest.mark.django_db
def test_the_server_still_ends_a_codename_session_after_thirty_idle_minutes(
    intake_vault, form_token
) -> None:
    start = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        person, _entered = _signed_in(form_token)
        clock.shift(dt.timedelta(minutes=25))
        assert person.get("/inbox/?lang=ru").status_code == 200  # use slides the server expiry
        clock.shift(dt.timedelta(minutes=25))
        assert person.get("/inbox/?lang=ru").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        signed_out = person.get("/inbox/?lang=ru")
        assert signed_out.status_code == 302 and signed_out["Location"] == "/enter/?lang=ru"
    assert PortalSession.objects.get().expires_at < start + dt.timedelta(minutes=81)

"""The duress workspace looks exactly like a real empty workspace (issue 13): for every role, the
overview a duress sign-in shows is, but for the user name, the page a brand-new account with the
same role and no grants sees: same panels (Watch included), same navigation, same counts."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from haven.accounts.actions import set_duress_password
from haven.accounts.models import Role
from haven.alerts.actions import notify
from haven.cases import actions as case_actions
from haven.testing.personas import keyring_for, make_staff, sign_in

DURESS = "the one I give them"


def _normalised(html: str, username: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    return html.replace(username, "USER")


def _overview(client: Client, username: str) -> str:
    response = client.get("/staff/")
    assert response.status_code == 200
    return _normalised(response.content.decode(), username)


def _panel_titles(html: str) -> list[str]:
    return re.findall(r'<section class="panel"><h2>([^<]+)</h2>', html)


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_the_duress_overview_is_a_real_empty_overview_for_the_same_role(personas, role) -> None:
    # Someone with a real workspace: a case in their hands, an unread alert.
    busy = make_staff(f"busy-{role}", role)
    if role in (Role.CASEWORKER, Role.COORDINATOR):
        case = case_actions.create_case(keyring=keyring_for(busy), risk="high")
        case_actions.save_person(
            keyring=keyring_for(busy), case=case, values={"given_name": "Аслан"}
        )
    notify(recipients=[busy], kind="case_assigned", reference="C-1", link="/staff/")
    set_duress_password(user=busy, duress_password=DURESS)
    duress_client = sign_in(Client(), busy, DURESS)
    # Made after the duress sign-in, so that the coordinators' real alarm is not in its alerts.
    fresh = make_staff(f"fresh-{role}", role)

    duress_html = _overview(duress_client, busy.username)
    empty_html = _overview(sign_in(Client(), fresh), fresh.username)

    assert _panel_titles(duress_html) == _panel_titles(empty_html)
    assert duress_html == empty_html
    if role in (Role.CASEWORKER, Role.COORDINATOR, Role.LAWYER):
        assert "Наблюдение" in _panel_titles(duress_html)

"""Repeated alarms for one incident are one row with a count (notifications and the watch
board), not identical rows."""

from __future__ import annotations

import re

import pytest

from haven.alerts.actions import notify
from haven.alerts.grouping import group_repeats, notification_key
from haven.alerts.models import Notification

pytestmark = pytest.mark.django_db


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr.*?</tr>", body, re.S)


def test_three_alerts_for_one_incident_are_one_row_with_a_count_on_the_alerts_page(
    personas, client_for
) -> None:
    for _ in range(3):
        notify(
            recipients=[personas.lawyer],
            kind="missed_checkin",
            reference="HV-AAAA",
            link="/staff/watch/incidents/x/",
        )
    notify(recipients=[personas.lawyer], kind="panic", reference="HV-BBBB", link="/staff/watch/")
    client = client_for(personas.lawyer)
    client.cookies["haven_lang"] = "en"
    rows = _rows(client.get("/staff/notifications/").content.decode())
    assert len(rows) == 2
    missed = next(r for r in rows if "HV-AAAA" in r)
    assert "3 times" in missed and "unread" in missed
    assert "times" not in next(r for r in rows if "HV-BBBB" in r)
    client.cookies["haven_lang"] = "ru"
    assert "3 раза" in client.get("/staff/notifications/").content.decode()


def test_grouping_keeps_the_newest_row_first_and_counts_every_repeat(personas) -> None:
    for reference in ("A", "B", "A", "A"):
        notify(recipients=[personas.caseworker], kind="panic", reference=reference)
    groups = group_repeats(
        Notification.objects.filter(recipient=personas.caseworker), notification_key
    )
    assert [(g.reference, g.count) for g in groups] == [("A", 3), ("B", 1)]
    assert groups[0].latest.created_at >= groups[0].earliest.created_at


def test_two_panic_presses_for_one_case_are_one_open_alarm_row_on_the_watch_board(
    personas, client_for
) -> None:
    from haven.cases import actions as cases
    from haven.safety import actions as safety
    from haven.testing.personas import keyring_for

    case = cases.create_case(
        keyring=keyring_for(personas.caseworker), risk="high", caseworker=personas.caseworker
    )
    for _ in range(2):
        safety.open_incident(kind="panic", case=case)
    safety.open_incident(kind="missed_checkin", case=case)
    client = client_for(personas.caseworker)
    client.cookies["haven_lang"] = "en"
    page = client.get("/staff/watch/").content.decode()
    alarms = _rows(page.split("<h2>", 2)[1])
    assert len(alarms) == 2
    assert "2 times" in next(r for r in alarms if "Panic" in r)

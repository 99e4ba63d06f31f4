"""Check-ins from the portal: a duress PIN looks exactly like a normal one; panic raises at once."""

from __future__ import annotations

import pytest
from django.test import Client

from haven.intake import actions as intake_actions
from haven.intake.forms import form_token
from haven.intake.models import PortalIdentity
from haven.safety.models import CheckIn, SafetyIncident


@pytest.fixture
def person(intake_vault, watch):  # type: ignore[no-untyped-def]
    submission = intake_actions.submit_request(
        text="помогите", felt_urgency="now", contact="", files=[], language="ru"
    )
    PortalIdentity.objects.filter(pk=submission.request.identity_id).update(case=watch.case)
    client = Client()
    assert (
        client.post(
            "/enter/", {"codename": submission.codename, "form_token": form_token()}
        ).status_code
        == 302
    )
    return client


@pytest.fixture
def intake_vault(personas):  # type: ignore[no-untyped-def]
    from haven.testing.personas import keyring_for

    return intake_actions.set_up_intake_vault(
        actor=personas.coordinator, keyring=keyring_for(personas.coordinator)
    )


@pytest.mark.django_db
def test_a_duress_pin_is_indistinguishable_from_a_normal_check_in(person, watch) -> None:
    normal = person.post("/checkin/?lang=ru", {"pin": "2468"})
    duress = person.post("/checkin/?lang=ru", {"pin": "1357"})
    assert normal.status_code == duress.status_code == 200
    assert normal.content == duress.content
    assert CheckIn.objects.filter(watch=watch).count() == 2
    assert SafetyIncident.objects.filter(kind="duress_checkin").count() == 1
    assert "Спасибо. Отметка принята." in normal.content.decode()


@pytest.mark.django_db
def test_a_wrong_pin_is_refused_and_recorded_nowhere(person, watch) -> None:
    response = person.post("/checkin/?lang=ru", {"pin": "0000"})
    assert "Неверный PIN" in response.content.decode()
    assert not CheckIn.objects.exists() and not SafetyIncident.objects.exists()


@pytest.mark.django_db
def test_panic_raises_an_alarm_to_every_step_at_once(person, watch, personas) -> None:
    from haven.alerts.models import Notification

    response = person.post("/panic/?lang=ru", {"confirm": "1"})
    assert response.status_code == 200
    incident = SafetyIncident.objects.get(kind="panic")
    assert incident.step == 2
    assert {"cw", "coord", "coord2"} <= set(
        Notification.objects.filter(kind="panic").values_list("recipient__username", flat=True)
    )


@pytest.mark.django_db
def test_the_check_in_page_needs_a_codename(client: Client) -> None:
    assert client.get("/checkin/")["Location"] == "/enter/"


@pytest.mark.django_db
def test_five_wrong_pins_stop_the_pin_for_a_while_and_raise_a_silent_alarm(person, watch) -> None:
    from django.utils import timezone

    from haven.safety.models import Watch

    answers = [person.post("/checkin/?lang=ru", {"pin": f"000{i}"}) for i in range(5)]
    assert SafetyIncident.objects.filter(kind="pin_guessing").count() == 1
    locked = person.post("/checkin/?lang=ru", {"pin": "2468"})  # the right PIN, while locked
    assert locked.content == answers[0].content  # the page says nothing about a lock
    assert not CheckIn.objects.exists()
    Watch.objects.filter(pk=watch.pk).update(pins_locked_until=timezone.now())
    assert (
        "Спасибо. Отметка принята."
        in person.post("/checkin/?lang=ru", {"pin": "2468"}).content.decode()
    )
    watch.refresh_from_db()
    assert watch.failed_pins == 0 and CheckIn.objects.count() == 1


@pytest.mark.django_db
def test_a_duress_check_in_answers_with_the_same_headers_as_a_normal_one(person, watch) -> None:
    normal = person.post("/checkin/?lang=ru", {"pin": "2468"})
    duress = person.post("/checkin/?lang=ru", {"pin": "1357"})
    assert len(normal.content) == len(duress.content)
    assert sorted(normal.headers) == sorted(duress.headers)
    assert normal.cookies.keys() == duress.cookies.keys()


@pytest.mark.django_db
def test_the_check_in_page_says_when_the_next_check_in_is_due(person, watch, time_machine) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    from haven.safety.models import Watch

    moscow = ZoneInfo("Europe/Moscow")
    time_machine.move_to(dt.datetime(2026, 12, 1, 9, 0, tzinfo=moscow), tick=False)
    Watch.objects.filter(pk=watch.pk).update(
        started_at=dt.datetime(2026, 12, 1, 8, 0, tzinfo=moscow)
    )
    body = person.get("/checkin/?lang=ru").content.decode()
    assert "Следующая отметка — не позже 1 декабря, 20:00." in body  # started 08:00 + 12 h
    done = person.post("/checkin/?lang=ru", {"pin": "2468"}).content.decode()
    assert "Следующая отметка — не позже 1 декабря, 21:00." in done  # checked in at 09:00


@pytest.mark.django_db
def test_a_check_in_costs_the_same_few_queries_each_time(person, watch) -> None:
    """The busiest write of the portal (issue 16): the session, the watch once to check and once
    to show the next time, one write transaction with its audit row. Measured: 11."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person.post("/checkin/?lang=ru", {"pin": "2468"})  # the session's once-a-minute slide
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = person.post("/checkin/?lang=ru", {"pin": "2468"})
        assert "Спасибо. Отметка принята." in response.content.decode()
        assert len(queries) <= 11, [q["sql"][:80] for q in queries.captured_queries]
    assert CheckIn.objects.filter(watch=watch).count() == 3

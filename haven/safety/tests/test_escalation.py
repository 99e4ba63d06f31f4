"""The worker, one synchronous step at a time with time frozen: missed check-ins, escalation
steps and repeats, acknowledgement, failing channels, panic and duress, compromised houses."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from haven.alerts.models import Notification
from haven.safety import actions
from haven.safety.channels import OUTBOX
from haven.safety.models import Delivery, SafetyIncident, Watch
from haven.safety.tests.conftest import add_channel, vetted
from haven.safety.worker import run_once
from haven.testing.personas import keyring_for


def _recipients(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


@pytest.mark.django_db
def test_a_missed_check_in_escalates_step_by_step_until_acknowledged(
    personas, watch, settings
) -> None:
    settings.HAVEN_ESCALATION_STEP_MINUTES = 10
    settings.HAVEN_ESCALATION_REPEAT_MINUTES = 15
    start = timezone.now()
    actions.add_shift(
        actor=personas.coordinator,
        user=personas.lawyer,
        starts_at=start - dt.timedelta(days=1),
        ends_at=start + dt.timedelta(days=3),
        time_zone="Europe/Moscow",
    )
    deadline = watch.next_deadline
    assert run_once(deadline - dt.timedelta(seconds=1)).watches_down == 0
    result = run_once(deadline + dt.timedelta(seconds=1))
    assert result.watches_down == 1
    watch.refresh_from_db()
    assert watch.state == Watch.State.DOWN
    incident = SafetyIncident.objects.get()
    assert _recipients("missed_checkin") == {"cw"}  # step 1: the assigned caseworker
    run_once(deadline + dt.timedelta(minutes=5))
    assert _recipients("missed_checkin") == {"cw"}  # not yet
    run_once(deadline + dt.timedelta(minutes=11))
    assert _recipients("missed_checkin") == {"cw", "lawyer"}  # step 2: on call
    run_once(deadline + dt.timedelta(minutes=22))
    assert _recipients("missed_checkin") == {"cw", "lawyer", "coord", "coord2"}  # step 3
    count = Notification.objects.filter(kind="missed_checkin").count()
    run_once(deadline + dt.timedelta(minutes=38))
    assert Notification.objects.filter(kind="missed_checkin").count() > count  # repeats
    actions.acknowledge(actor=personas.lawyer, incident=incident)
    count = Notification.objects.filter(kind="missed_checkin").count()
    run_once(deadline + dt.timedelta(hours=5))
    assert (
        Notification.objects.filter(kind="missed_checkin").count() == count
    )  # acknowledgement stops repeats


@pytest.mark.django_db
def test_a_check_in_moves_the_deadline_and_resolves_a_missed_alarm(personas, watch) -> None:
    run_once(watch.next_deadline + dt.timedelta(seconds=1))
    actions.record_checkin(watch=watch, method="phone", recorded_by=personas.caseworker)
    watch.refresh_from_db()
    assert watch.state == Watch.State.UP and watch.next_deadline > timezone.now()
    assert SafetyIncident.objects.get().resolved_at is not None


@pytest.mark.django_db
def test_a_failing_channel_is_retried_then_the_next_channel_and_the_coordinators_hear_of_it(
    personas, watch, settings
) -> None:
    settings.HAVEN_DELIVERY_ATTEMPTS = 2
    add_channel(personas.caseworker, "failing://broken", priority=1)
    add_channel(personas.caseworker, "outbox://backup", priority=2)
    add_channel(personas.coordinator, "outbox://coord")
    t = watch.next_deadline + dt.timedelta(seconds=1)
    run_once(t)
    assert not OUTBOX  # first attempt on the broken channel failed
    run_once(t + dt.timedelta(minutes=1))  # second attempt fails too: give up on it
    assert Delivery.objects.filter(status="failed").count() == 1
    assert _recipients("channel_failed") >= {"coord", "coord2"}
    run_once(t + dt.timedelta(minutes=2))
    destinations = {m["to"] for m in OUTBOX}
    assert "outbox://backup" in destinations  # the caseworker still got the alarm
    assert "outbox://coord" in destinations  # and the coordinator heard the channel broke


@pytest.mark.django_db
def test_alert_payloads_carry_a_kind_a_reference_and_a_link_only(
    personas, watch, client_for
) -> None:
    add_channel(personas.caseworker)
    house = actions.create_house(
        keyring=keyring_for(personas.coordinator),
        code="Birch",
        capacity=2,
        address="ул. Тайная 7",
        access_instructions="код 99",
        host_contact="Марина",
    )
    actions.place(actor=personas.coordinator, house=house, case=watch.case)
    add_channel(personas.coordinator, "outbox://coord")
    run_once(watch.next_deadline + dt.timedelta(seconds=1))
    actions.mark_compromised(actor=personas.coordinator, house=house)
    run_once(timezone.now() + dt.timedelta(days=1))
    assert OUTBOX
    for message in OUTBOX:
        text = message["title"] + "\n" + message["body"]
        for secret in ("Салех", "Магамадов", "Тайная", "Марина", "код 99", "Birch"):
            assert secret not in text
        assert re.fullmatch(r"Haven: [^\n]+", message["title"])
        assert re.search(
            r"HV-[A-Z0-9]{8}\nhttp://[^ ]+/staff/watch/incidents/[0-9a-f-]{36}/$", message["body"]
        )


@pytest.mark.django_db
def test_marking_a_house_compromised_locks_it_and_alerts_for_every_resident(
    personas, watched_case
) -> None:
    house = actions.create_house(
        keyring=keyring_for(personas.coordinator),
        code="Birch",
        capacity=2,
        address="x",
        access_instructions="",
        host_contact="",
    )
    actions.place(actor=personas.coordinator, house=house, case=watched_case)
    residents = actions.mark_compromised(actor=personas.coordinator, house=house)
    assert [p.case for p in residents] == [watched_case]
    assert house.status == "compromised"
    incident = SafetyIncident.objects.get(kind="house_compromised")
    assert incident.case == watched_case
    assert {"cw", "coord", "coord2"} <= _recipients("house_compromised")
    with pytest.raises(actions.SafetyError):
        actions.place(actor=personas.coordinator, house=house, case=watched_case)


@pytest.mark.django_db
def test_every_resident_of_a_compromised_house_gets_one_move_task_shown_on_their_case_page(
    personas, watched_case, client_for
) -> None:
    from haven.cases import actions as case_actions
    from haven.cases.models import Task

    ring = keyring_for(personas.caseworker)
    second = vetted(personas, case_actions.create_case(keyring=ring, risk="high"))
    house = actions.create_house(
        keyring=keyring_for(personas.coordinator),
        code="Birch",
        capacity=3,
        address="x",
        access_instructions="",
        host_contact="",
    )
    for case in (watched_case, second):
        actions.place(actor=personas.coordinator, house=house, case=case)
    actions.mark_compromised(actor=personas.coordinator, house=house)
    actions.mark_compromised(actor=personas.coordinator, house=house)  # a second press
    tasks = Task.objects.filter(kind=Task.Kind.RELOCATE)
    assert sorted(t.case_id for t in tasks) == sorted([watched_case.id, second.id])
    assert all(t.due_date == timezone.localdate() and t.done_at is None for t in tasks)
    page = client_for(personas.caseworker).get(f"/staff/cases/{second.id}/").content.decode()
    assert "Переселить из раскрытого убежища" in page
    assert "Birch" not in page and ": None" not in page


@pytest.mark.django_db
def test_two_workers_side_by_side_send_nothing_twice_and_miss_nothing(
    personas, watched_case
) -> None:
    add_channel(personas.caseworker)
    from haven.cases import actions as case_actions

    ring = keyring_for(personas.caseworker)
    watches = [
        actions.save_watch(
            actor=personas.caseworker,
            case=case_actions.create_case(keyring=ring, risk="low"),
            interval_minutes=60,
            fixed_times=[],
            time_zone="UTC",
            grace_minutes=0,
            pin="1111",
        )
        for _ in range(5)
    ]
    t = max(w.next_deadline for w in watches) + dt.timedelta(seconds=1)
    first, second = run_once(t), run_once(t)  # the second finds everything already claimed
    assert first.watches_down + second.watches_down == 5
    assert SafetyIncident.objects.count() == 5
    run_once(t)
    assert Notification.objects.filter(kind="missed_checkin").count() == 5
    assert len(OUTBOX) == 5


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"interval_minutes": 0}, "больше нуля"),
        ({"interval_minutes": None}, "Укажите интервал"),
        ({"interval_minutes": -30}, "больше нуля"),
        ({"grace_minutes": 8 * 24 * 60}, "больше недели"),
        ({"time_zone": "Mars/Olympus"}, "Неизвестный часовой пояс"),
        ({"duress_pin": "2468"}, "отличаться"),
    ],
)
def test_bad_schedules_are_refused_with_a_clear_message(
    personas, watched_case, kwargs, message
) -> None:  # type: ignore[no-untyped-def]
    from django.utils import translation

    args = {
        "interval_minutes": 60,
        "fixed_times": [],
        "time_zone": "Europe/Moscow",
        "grace_minutes": 30,
        "pin": "2468",
        "duress_pin": "",
    } | kwargs
    with translation.override("ru"), pytest.raises(actions.SafetyError, match=message):
        actions.save_watch(actor=personas.caseworker, case=watched_case, **args)
    assert not Watch.objects.exists()


@pytest.mark.django_db
def test_a_roster_with_gaps_shows_the_gaps(personas) -> None:
    now = timezone.now()
    actions.add_shift(
        actor=personas.coordinator,
        user=personas.lawyer,
        starts_at=now,
        ends_at=now + dt.timedelta(hours=8),
        time_zone="UTC",
    )
    actions.add_shift(
        actor=personas.coordinator,
        user=personas.lawyer,
        starts_at=now + dt.timedelta(hours=10),
        ends_at=now + dt.timedelta(hours=24),
        time_zone="UTC",
    )
    gaps = actions.roster_gaps(now, now + dt.timedelta(hours=24))
    assert gaps == [(now + dt.timedelta(hours=8), now + dt.timedelta(hours=10))]
    with pytest.raises(actions.SafetyError):
        actions.add_shift(
            actor=personas.coordinator,
            user=personas.lawyer,
            starts_at=now,
            ends_at=now - dt.timedelta(hours=1),
            time_zone="UTC",
        )


@pytest.mark.django_db
def test_worker_time_travel_uses_frozen_time(personas, watch) -> None:
    with time_machine.travel(watch.next_deadline + dt.timedelta(minutes=1), tick=False):
        assert run_once().watches_down == 1


@pytest.mark.django_db
def test_a_case_can_have_its_own_escalation_policy(personas, watched_case, settings) -> None:
    settings.HAVEN_ESCALATION_STEP_MINUTES = 60
    watch = actions.save_watch(
        actor=personas.caseworker,
        case=watched_case,
        interval_minutes=60,
        fixed_times=[],
        time_zone="UTC",
        grace_minutes=0,
        pin="2468",
        escalation_step_minutes=2,
    )
    now = timezone.now()
    actions.add_shift(
        actor=personas.coordinator,
        user=personas.lawyer,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=1),
        time_zone="UTC",
    )
    run_once(watch.next_deadline + dt.timedelta(seconds=1))
    run_once(watch.next_deadline + dt.timedelta(minutes=3))
    assert "lawyer" in _recipients("missed_checkin")  # after 2 minutes, not the default 60

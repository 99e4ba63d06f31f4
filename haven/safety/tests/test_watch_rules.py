"""Rules around watches, houses, rosters and channels that a responder or coordinator would
notice: per-case escalation timing, wrong-PIN limits, placements that move and end, compromised
houses marked twice, shifts in their own time zone, alert payloads of every kind."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import signal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from haven.alerts.models import Notification
from haven.cases import actions as case_actions
from haven.safety import actions
from haven.safety.channels import OUTBOX, message_for
from haven.safety.forms import ShiftForm
from haven.safety.models import Placement, SafeHouse, SafetyIncident, Watch
from haven.safety.tests.conftest import add_channel, vetted
from haven.safety.worker import Worker, run_once
from haven.testing.personas import keyring_for

BERLIN = ZoneInfo("Europe/Berlin")


def _count(kind: str) -> int:
    return Notification.objects.filter(kind=kind).count()


def _house(personas, code: str = "Birch", capacity: int = 2) -> SafeHouse:  # type: ignore[no-untyped-def]
    return actions.create_house(
        keyring=keyring_for(personas.coordinator),
        code=code,
        capacity=capacity,
        address="ул. Тайная 7",
        access_instructions="",
        host_contact="",
    )


@pytest.mark.django_db
def test_a_case_with_its_own_policy_climbs_and_repeats_on_its_own_timing(
    personas, watch, settings
) -> None:
    settings.HAVEN_ESCALATION_STEP_MINUTES = 10
    settings.HAVEN_ESCALATION_REPEAT_MINUTES = 15
    Watch.objects.filter(pk=watch.pk).update(escalation_step_minutes=2, escalation_repeat_minutes=3)
    watch.refresh_from_db()
    t = watch.next_deadline + dt.timedelta(seconds=1)
    run_once(t)
    incident = SafetyIncident.objects.get()
    assert incident.step == 1
    run_once(t + dt.timedelta(minutes=2, seconds=1))
    incident.refresh_from_db()
    assert incident.step == 2  # the settings would still be waiting (10 minutes)
    run_once(t + dt.timedelta(minutes=4, seconds=2))
    incident.refresh_from_db()
    assert incident.step == 3
    run_once(t + dt.timedelta(minutes=7, seconds=3))
    incident.refresh_from_db()
    assert incident.rounds == 1  # everyone again after 3 minutes, not 15


@pytest.mark.django_db
def test_an_escalation_policy_out_of_range_is_refused(personas, watch) -> None:
    with translation.override("en"), pytest.raises(actions.SafetyError, match="between 1 and 240"):
        actions.save_watch(
            actor=personas.coordinator,
            case=watch.case,
            interval_minutes=60,
            fixed_times=[],
            time_zone="UTC",
            grace_minutes=0,
            pin="",
            watch=watch,
            escalation_repeat_minutes=999,
        )
    watch.refresh_from_db()
    assert watch.escalation_repeat_minutes is None and watch.interval_minutes == 12 * 60


@pytest.mark.django_db
def test_acknowledging_a_panic_stops_its_repeats(personas, watch) -> None:
    now = timezone.now()
    incident = actions.open_incident(
        kind=SafetyIncident.Kind.PANIC, case=watch.case, watch=watch, now=now
    )
    assert incident.step == 2  # straight past the caseworker-only step
    assert {"cw", "coord", "coord2"} <= set(
        Notification.objects.filter(kind="panic").values_list("recipient__username", flat=True)
    )
    run_once(now + dt.timedelta(hours=1))
    before = _count("panic")
    assert before > 3  # it kept calling
    actions.acknowledge(actor=personas.caseworker, incident=incident)
    run_once(now + dt.timedelta(hours=5))
    assert _count("panic") == before


@pytest.mark.django_db
def test_a_phone_check_in_written_down_late_never_moves_the_switch_backwards(
    personas, watch
) -> None:
    now = timezone.now()
    actions.record_checkin(watch=watch, method="phone", recorded_by=personas.caseworker, at=now)
    actions.record_checkin(
        watch=watch,
        method="in_person",
        recorded_by=personas.caseworker,
        at=now - dt.timedelta(hours=3),
    )
    watch.refresh_from_db()
    assert watch.last_checkin_at == now
    assert watch.next_deadline == now + dt.timedelta(hours=12, minutes=30)
    with pytest.raises(actions.SafetyError):
        actions.record_checkin(
            watch=watch, method="phone", at=timezone.now() + dt.timedelta(hours=1)
        )


@pytest.mark.django_db
def test_a_fixed_time_watch_keeps_its_local_hour_across_the_clock_change(
    personas, watched_case
) -> None:
    watch = actions.save_watch(
        actor=personas.caseworker,
        case=watched_case,
        interval_minutes=None,
        fixed_times=["09:00"],
        time_zone="Europe/Berlin",
        grace_minutes=30,
        pin="2468",
    )
    saturday = dt.datetime(2026, 10, 24, 9, 5, tzinfo=BERLIN)  # clocks go back on Sunday 03:00
    actions.record_checkin(watch=watch, method="phone", at=saturday)
    watch.refresh_from_db()
    deadline = watch.next_deadline.astimezone(BERLIN)
    assert (deadline.date(), deadline.hour, deadline.minute) == (dt.date(2026, 10, 25), 9, 30)
    assert watch.get_status(now=deadline - dt.timedelta(minutes=10)) == "late"
    assert watch.get_status(now=deadline + dt.timedelta(minutes=1)) == "down"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"interval_minutes": 60, "fixed_times": ["09:00"]}, "not both"),
        ({"grace_minutes": 10**15}, "longer than a week"),
        ({"grace_minutes": -1}, "cannot be negative"),
        ({"interval_minutes": 10**9}, "longer than a month"),
    ],
)
def test_more_bad_schedules_are_refused_without_a_crash(
    personas, watched_case, kwargs, message
) -> None:  # type: ignore[no-untyped-def]
    args = {
        "interval_minutes": None,
        "fixed_times": [],
        "time_zone": "Europe/Moscow",
        "grace_minutes": 30,
        "pin": "2468",
    } | kwargs
    if args["interval_minutes"] is None and not args["fixed_times"]:
        args["interval_minutes"] = 60
    with translation.override("en"), pytest.raises(actions.SafetyError, match=message):
        actions.save_watch(actor=personas.caseworker, case=watched_case, **args)
    assert not Watch.objects.exists()


@pytest.mark.django_db
def test_moving_a_case_to_another_house_ends_its_old_placement(personas, watched_case) -> None:
    birch, oak = _house(personas, "Birch"), _house(personas, "Oak")
    actions.place(actor=personas.coordinator, house=birch, case=watched_case)
    actions.place(actor=personas.coordinator, house=oak, case=watched_case)
    assert actions.current_residents(birch) == []
    assert [p.case for p in actions.current_residents(oak)] == [watched_case]
    assert Placement.objects.filter(case=watched_case).count() == 2  # history is kept
    with pytest.raises(actions.SafetyError):
        actions.place(actor=personas.coordinator, house=oak, case=watched_case)


@pytest.mark.django_db
def test_a_full_house_refuses_one_more(personas) -> None:
    ring = keyring_for(personas.caseworker)
    house = _house(personas, capacity=1)
    actions.place(
        actor=personas.coordinator,
        house=house,
        case=vetted(personas, case_actions.create_case(keyring=ring, risk="low")),
    )
    with translation.override("en"), pytest.raises(actions.SafetyError, match="full"):
        actions.place(
            actor=personas.coordinator,
            house=house,
            case=vetted(personas, case_actions.create_case(keyring=ring, risk="low")),
        )


@pytest.mark.django_db
def test_marking_a_house_compromised_twice_raises_no_second_round_of_alarms(
    personas, watched_case
) -> None:
    house = _house(personas)
    actions.place(actor=personas.coordinator, house=house, case=watched_case)
    actions.mark_compromised(actor=personas.coordinator, house=house)
    sent = _count("house_compromised")
    residents = actions.mark_compromised(actor=personas.coordinator2, house=house)
    assert [p.case for p in residents] == [watched_case]  # still listed for relocation
    assert SafetyIncident.objects.count() == 1 and _count("house_compromised") == sent
    actions.end_placement(actor=personas.coordinator, placement=residents[0])
    assert actions.current_residents(house) == []
    with pytest.raises(actions.SafetyError):
        actions.set_house_status(actor=personas.coordinator, house=house, status="active")


@pytest.mark.django_db
def test_a_suspended_house_takes_nobody_until_it_is_active_again(personas, watched_case) -> None:
    house = _house(personas)
    actions.set_house_status(actor=personas.coordinator, house=house, status="suspended")
    with pytest.raises(actions.SafetyError):
        actions.place(actor=personas.coordinator, house=house, case=watched_case)
    actions.set_house_status(actor=personas.coordinator, house=house, status="active")
    actions.place(actor=personas.coordinator, house=house, case=watched_case)
    assert len(actions.current_residents(house)) == 1


@pytest.mark.django_db
def test_a_house_code_already_taken_is_a_clear_error(personas) -> None:
    _house(personas, "Birch")
    with translation.override("en"), pytest.raises(actions.SafetyError, match="taken"):
        _house(personas, "birch")


@pytest.mark.django_db
def test_a_shift_is_read_in_the_responders_own_time_zone(personas) -> None:
    form = ShiftForm(
        {
            "user": personas.lawyer.pk,
            "starts_at": "2026-03-01T09:00",
            "ends_at": "2026-03-01T21:00",
            "time_zone": "Asia/Tbilisi",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["starts_at"] == dt.datetime(2026, 3, 1, 5, 0, tzinfo=dt.UTC)
    bad = ShiftForm(
        {
            "user": personas.lawyer.pk,
            "starts_at": "2026-03-01T09:00",
            "ends_at": "2026-03-01T21:00",
            "time_zone": "Mars/Olympus",
        }
    )
    assert not bad.is_valid() and "time_zone" in bad.errors


@pytest.mark.django_db
def test_a_gap_in_the_roster_sends_step_two_to_the_coordinators(personas, watch) -> None:
    t = watch.next_deadline + dt.timedelta(seconds=1)
    run_once(t)  # nobody on call at all
    run_once(t + dt.timedelta(minutes=11))
    assert {"coord", "coord2"} <= set(
        Notification.objects.filter(kind="missed_checkin").values_list(
            "recipient__username", flat=True
        )
    )


@pytest.mark.django_db
def test_every_alert_payload_is_a_kind_a_reference_and_a_link(personas, watch, settings) -> None:
    """Every kind of safety alert, through the real delivery path, leak-checked word by word."""
    settings.HAVEN_DELIVERY_ATTEMPTS = 1
    add_channel(personas.caseworker, "failing://broken", priority=1)
    add_channel(personas.caseworker, "outbox://backup", priority=2)
    add_channel(personas.coordinator, "outbox://coord")
    now = timezone.now()
    for kind in (
        SafetyIncident.Kind.PANIC,
        SafetyIncident.Kind.DURESS,
        SafetyIncident.Kind.PIN_GUESSING,
    ):
        actions.open_incident(kind=kind, case=watch.case, watch=watch, now=now)
    house = _house(personas)
    actions.place(actor=personas.coordinator, house=house, case=watch.case)
    actions.mark_compromised(actor=personas.coordinator, house=house)
    empty = _house(personas, "Oak")
    actions.mark_compromised(actor=personas.coordinator, house=empty)
    run_once(watch.next_deadline + dt.timedelta(seconds=1))
    for minutes in (1, 2, 3):
        run_once(watch.next_deadline + dt.timedelta(minutes=minutes))
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds >= {
        "panic",
        "duress_checkin",
        "pin_guessing",
        "house_compromised",
        "missed_checkin",
        "channel_failed",
    }
    assert OUTBOX
    payloads = [m["title"] + "\n" + m["body"] for m in OUTBOX]
    payloads += ["\n".join(message_for(n)) for n in Notification.objects.all()]
    reference = re.escape(watch.case.reference)
    for text in payloads:
        for secret in ("Салех", "Магамадов", "Тайная", "Birch", "Oak", "2468", "1357"):
            # As a word: the link's random UUID may hold "1357" as hex digits.
            assert not re.search(rf"\b{secret}\b", text), (secret, text)
        title, kind_and_ref, link = text.split("\n")
        assert re.fullmatch(r"Haven: [^\n]+", title)
        assert re.fullmatch(rf"[^\n]+ — ({reference}|HS-[0-9A-F]{{8}})", kind_and_ref), kind_and_ref
        assert re.fullmatch(r"http://[^ ]+/staff/watch/incidents/[0-9a-f-]{36}/", link), link


@pytest.mark.django_db
def test_apprise_log_lines_never_reach_the_logs(personas, watch, caplog) -> None:
    from apprise.decorators import notify as apprise_plugin

    @apprise_plugin(on="havennoisy")
    def noisy(body, title, *args, meta, **kwargs):  # type: ignore[no-untyped-def]
        logging.getLogger("apprise").error("could not reach %s", meta["url"])
        return False

    add_channel(personas.caseworker, "havennoisy://MARKER-recipient-secret")
    run_once(watch.next_deadline + dt.timedelta(seconds=1))
    assert "delivery" in caplog.text  # the worker did log its own, sanitised line
    assert "MARKER-recipient-secret" not in caplog.text


@pytest.mark.django_db
def test_sigterm_stops_the_worker_after_the_step_it_is_in(monkeypatch) -> None:
    from haven.safety import worker as worker_module

    steps: list[int] = []

    def one_step() -> worker_module.StepResult:
        steps.append(1)
        os.kill(os.getpid(), signal.SIGTERM)
        return worker_module.StepResult()

    monkeypatch.setattr(worker_module, "run_once", one_step)
    worker = Worker(sleep=0)
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    try:
        worker_module.install_signal_handlers(worker)
        worker.run()  # returns only because the handler asked it to stop
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
    assert steps == [1]

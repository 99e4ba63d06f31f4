"""The watchdog for the watch: a worker that stops sweeping, and deliveries that fail, reach the
coordinators once through the watchdog's own addresses, and once more when they recover."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from haven.alerts.actions import notify_role
from haven.safety import heartbeat, watchdog
from haven.safety.channels import OUTBOX
from haven.safety.models import Delivery, WatchdogAlarm, WorkerHeartbeat
from haven.safety.tests.conftest import add_channel
from haven.safety.worker import Worker

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _watchdog_urls(settings):  # type: ignore[no-untyped-def]
    settings.HAVEN_WATCHDOG_URLS = "outbox://watchdog-a outbox://watchdog-b"


def _watchdog_messages() -> list[dict[str, str]]:
    return [m for m in OUTBOX if m["to"].startswith("outbox://watchdog")]


def test_every_worker_step_records_one_heartbeat_row_for_its_process(time_machine) -> None:
    time_machine.move_to(T0, tick=False)
    Worker(0).step()
    time_machine.move_to(T0 + dt.timedelta(seconds=5), tick=False)
    Worker(0).step()
    row = WorkerHeartbeat.objects.get()
    assert row.worker == heartbeat.worker_key()
    assert row.started_at == T0
    assert row.swept_at == T0 + dt.timedelta(seconds=5)


def test_it_alarms_once_after_two_minutes_without_a_sweep_and_says_when_it_recovers(
    time_machine,
) -> None:
    time_machine.move_to(T0, tick=False)
    Worker(0).step()

    time_machine.move_to(T0 + dt.timedelta(seconds=119), tick=False)
    assert watchdog.run().raised == []
    assert _watchdog_messages() == []

    time_machine.move_to(T0 + dt.timedelta(seconds=121), tick=False)
    result = watchdog.run()
    assert result.raised == ["worker"]
    sent = _watchdog_messages()
    assert sorted(m["to"] for m in sent) == ["outbox://watchdog-a", "outbox://watchdog-b"]
    assert all("no worker is sweeping" in m["title"] for m in sent)
    assert "2 min 1 s ago" in sent[0]["body"]

    # The next runs of the timer stay quiet: the alarm is remembered, not repeated.
    for seconds in (151, 181, 600):
        time_machine.move_to(T0 + dt.timedelta(seconds=seconds), tick=False)
        assert watchdog.run().raised == []
    assert len(_watchdog_messages()) == 2

    Worker(0).step()
    time_machine.move_to(T0 + dt.timedelta(seconds=630), tick=False)
    result = watchdog.run()
    assert result.cleared == ["worker"]
    recovered = _watchdog_messages()[2:]
    assert len(recovered) == 2
    assert all("sweeping again" in m["title"] for m in recovered)
    assert not WatchdogAlarm.objects.exists()


def test_a_worker_that_never_ran_is_an_alarm(time_machine) -> None:
    time_machine.move_to(T0, tick=False)
    assert watchdog.run().raised == ["worker"]
    assert "last sweep: never" in _watchdog_messages()[0]["body"]


def test_a_second_watchdog_on_another_node_does_not_repeat_the_alarm(time_machine) -> None:
    time_machine.move_to(T0, tick=False)
    watchdog.run()
    watchdog.run()  # the other node's timer, a moment later
    assert len(_watchdog_messages()) == 2  # one per address, once


def test_failing_deliveries_raise_their_own_alarm_without_any_identifying_data(
    personas, time_machine
) -> None:
    time_machine.move_to(T0, tick=False)
    add_channel(personas.coordinator, "failing://")
    notify_role(role="coordinator", kind="panic", reference="C-7Q4", link="/staff/")
    for seconds in (0, 20, 60, 120):  # three attempts with backoff, then failed for good
        time_machine.move_to(T0 + dt.timedelta(seconds=seconds), tick=False)
        Worker(0).step()
    assert Delivery.objects.filter(status=Delivery.Status.FAILED).exists()

    result = watchdog.run()
    assert "deliveries" in result.raised
    message = next(m for m in _watchdog_messages() if "deliveries are failing" in m["title"])
    failed = Delivery.objects.filter(status=Delivery.Status.FAILED).count()
    assert message["body"].startswith(f"{failed} delivery(ies) failed for good")
    assert "C-7Q4" not in message["body"]

    # Outside the window, with nothing retrying, the deliveries alarm clears.
    Delivery.objects.filter(status=Delivery.Status.PENDING).update(status=Delivery.Status.SENT)
    time_machine.move_to(T0 + dt.timedelta(minutes=20), tick=False)
    Worker(0).step()
    assert "deliveries" in watchdog.run().cleared


def test_an_alarm_that_could_not_be_sent_is_tried_again_next_run(settings, time_machine) -> None:
    time_machine.move_to(T0, tick=False)
    settings.HAVEN_WATCHDOG_URLS = "failing://"
    first = watchdog.run()
    assert first.raised == ["worker"]
    assert not first.sent
    assert not WatchdogAlarm.objects.exists()
    settings.HAVEN_WATCHDOG_URLS = "outbox://watchdog-a"
    assert watchdog.run().raised == ["worker"]
    assert len(_watchdog_messages()) == 1


def test_the_command_reports_and_fails_loudly_without_an_address(settings, time_machine) -> None:
    time_machine.move_to(T0, tick=False)
    Worker(0).step()
    call_command("watchdog")
    settings.HAVEN_WATCHDOG_URLS = ""
    with pytest.raises(CommandError, match="HAVEN_WATCHDOG_URLS is empty"):
        call_command("watchdog")

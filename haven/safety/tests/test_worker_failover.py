"""The worker across a database failover (issue 19): a sweep whose COMMIT fails, or whose COMMIT
succeeds but whose answer is lost with the primary, is retried and alarms exactly once, through
the claim's compare-and-set; and the worker's loop outlives the database errors meanwhile."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError, connection

from haven.alerts.models import Notification
from haven.safety import actions
from haven.safety.channels import OUTBOX
from haven.safety.models import SafetyIncident, Watch
from haven.safety.tests.conftest import add_channel
from haven.safety.worker import StepResult, Worker, run_once


def _due_watch(personas, watched_case) -> Watch:  # type: ignore[no-untyped-def]
    add_channel(personas.caseworker)
    return actions.save_watch(
        actor=personas.caseworker,
        case=watched_case,
        interval_minutes=60,
        fixed_times=[],
        time_zone="UTC",
        grace_minutes=0,
        pin="2468",
    )


def _first_commit_fails(monkeypatch, *, committed: bool) -> list[int]:  # type: ignore[no-untyped-def]
    """The next COMMIT raises OperationalError as a dying primary's would, after committing
    (the answer was lost) or instead of it (the transaction is gone)."""
    real_commit, real_rollback = connection.commit, connection.rollback
    failed: list[int] = []

    def commit() -> None:
        if failed:
            return real_commit()
        failed.append(1)
        if committed:
            real_commit()
        else:
            real_rollback()
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(connection, "commit", commit)
    return failed


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("committed", [True, False], ids=["answer-lost", "commit-lost"])
def test_a_sweep_retried_across_a_failover_alarms_exactly_once(
    personas, watched_case, monkeypatch, committed
) -> None:  # type: ignore[no-untyped-def]
    watch = _due_watch(personas, watched_case)
    t = watch.next_deadline + dt.timedelta(seconds=1)
    failed = _first_commit_fails(monkeypatch, committed=committed)
    first = run_once(t)
    assert failed, "the failing COMMIT was never reached"
    # The retry of the chunk, one item a transaction, claims the watch only if the first COMMIT
    # did not land; either way there is one claim.
    assert first.watches_down == (0 if committed else 1)
    run_once(t)
    run_once(t + dt.timedelta(seconds=5))
    assert SafetyIncident.objects.filter(watch=watch, kind="missed_checkin").count() == 1
    assert Notification.objects.filter(kind="missed_checkin").count() == 1
    assert len(OUTBOX) == 1
    assert Watch.objects.get(pk=watch.pk).state == Watch.State.DOWN


def test_the_worker_loop_outlives_database_errors() -> None:
    worker = Worker(sleep=0)
    calls: list[int] = []

    def step() -> StepResult:
        calls.append(1)
        if len(calls) <= 3:  # the primary is gone and no standby is promoted yet
            raise OperationalError("connection failed: session is read-only")
        worker.stop()
        return StepResult(watches_down=1)

    worker.step = step  # type: ignore[method-assign]
    worker.run()
    assert len(calls) == 4

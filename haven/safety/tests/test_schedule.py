"""Dead-man's-switch maths, including the days the clocks change."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from haven.safety.schedule import expected_at, next_fixed_time, status

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")  # Moscow has no DST; Berlin does, and so do many exiles


def test_an_interval_is_real_elapsed_time_across_the_spring_change() -> None:
    before = dt.datetime(
        2026, 3, 28, 20, 0, tzinfo=BERLIN
    )  # clocks go forward on the 29th at 02:00
    due = expected_at(since=before, interval=dt.timedelta(hours=12), times=[], zone=BERLIN)
    assert due - before.astimezone(UTC) == dt.timedelta(hours=12)
    assert due.astimezone(BERLIN).hour == 9  # 12 real hours later reads 09:00, not 08:00


def test_a_fixed_time_stays_local_across_the_autumn_change() -> None:
    morning = dt.datetime(2026, 10, 24, 8, 0, tzinfo=BERLIN)  # clocks go back on the 25th at 03:00
    first = next_fixed_time(morning, [dt.time(9, 0)], BERLIN)
    second = next_fixed_time(first, [dt.time(9, 0)], BERLIN)
    assert first.astimezone(BERLIN).hour == 9 and second.astimezone(BERLIN).hour == 9
    assert second - first == dt.timedelta(hours=25)  # the day of the change is 25 hours long
    assert first.utcoffset() == dt.timedelta(0)
    assert (first.astimezone(BERLIN).utcoffset(), second.astimezone(BERLIN).utcoffset()) == (
        dt.timedelta(hours=2),
        dt.timedelta(hours=1),
    )


def test_a_fixed_time_the_clock_skips_falls_an_hour_later() -> None:
    night = dt.datetime(2026, 3, 28, 23, 0, tzinfo=BERLIN)
    due = next_fixed_time(night, [dt.time(2, 30)], BERLIN)
    assert due.astimezone(BERLIN).hour == 3


def test_states_go_new_up_late_down() -> None:
    expected = dt.datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    grace = dt.timedelta(minutes=30)
    at = lambda minutes: expected + dt.timedelta(minutes=minutes)  # noqa: E731
    assert (
        status(stored="new", now=at(-1), expected=expected, grace=grace, has_checked_in=False)
        == "new"
    )
    assert (
        status(stored="up", now=at(-1), expected=expected, grace=grace, has_checked_in=True) == "up"
    )
    assert (
        status(stored="up", now=at(10), expected=expected, grace=grace, has_checked_in=True)
        == "late"
    )
    assert (
        status(stored="up", now=at(31), expected=expected, grace=grace, has_checked_in=True)
        == "down"
    )
    assert (
        status(stored="paused", now=at(999), expected=expected, grace=grace, has_checked_in=True)
        == "paused"
    )


@given(
    start=st.datetimes(
        min_value=dt.datetime(2020, 1, 1),  # noqa: DTZ001  (hypothesis bounds are naive)
        max_value=dt.datetime(2035, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
)
def test_the_next_fixed_time_is_always_after_and_within_a_day_and_an_hour(
    start: dt.datetime, hour: int, minute: int
) -> None:
    due = next_fixed_time(start, [dt.time(hour, minute)], BERLIN)
    assert start < due <= start + dt.timedelta(hours=25)

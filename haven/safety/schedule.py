"""Check-in schedule maths, like a dead-man's switch: pure functions of times, no database.

A watch expects a check-in every `interval` (real elapsed time, so a DST change neither shortens
nor stretches it), or at fixed local times in a time zone (09:00 stays 09:00 local across DST).
After the expected time the watch is *late*; after the grace period it is *down*."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

UTC = dt.UTC


def next_fixed_time(after: dt.datetime, times: list[dt.time], zone: ZoneInfo) -> dt.datetime:
    """The first of the fixed local times strictly after `after`, as an aware UTC datetime.
    A local time that does not exist on a DST day (the clock skips it) falls an hour later."""
    local = after.astimezone(zone)
    for day in range(0, 3):
        date = local.date() + dt.timedelta(days=day)
        for t in sorted(times):
            candidate = dt.datetime.combine(date, t).replace(tzinfo=zone)
            # Round-trip through UTC normalises a skipped local time to the real instant.
            candidate = candidate.astimezone(UTC).astimezone(zone)
            if candidate.astimezone(UTC) > after.astimezone(UTC):
                return candidate.astimezone(UTC)
    raise ValueError("no fixed time found")  # unreachable with at least one time


def expected_at(
    *, since: dt.datetime, interval: dt.timedelta | None, times: list[dt.time], zone: ZoneInfo
) -> dt.datetime:
    """When the next check-in is expected, counting from the last one (or from the start)."""
    if interval is not None:
        return since.astimezone(UTC) + interval
    return next_fixed_time(since, times, zone)


def status(
    *,
    stored: str,
    now: dt.datetime,
    expected: dt.datetime,
    grace: dt.timedelta,
    has_checked_in: bool,
) -> str:
    """new / up / late / down / paused. Only new, up, down and paused are ever stored; late is
    always computed."""
    if stored in ("paused", "down"):
        return stored
    if now > expected + grace:
        return "down"
    if now > expected:
        return "late"
    return "up" if has_checked_in else "new"

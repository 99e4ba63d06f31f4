"""The on-call roster: shifts and the stretches nobody covers."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from haven.accounts.models import User
from haven.audit.log import log_event
from haven.safety.errors import SafetyError
from haven.safety.models import OnCallShift

if TYPE_CHECKING:
    pass


def roster_gaps(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """Stretches between `start` and `end` with nobody on call (a warning, not an error)."""
    gaps, cursor = [], start
    for shift in OnCallShift.objects.filter(ends_at__gt=start, starts_at__lt=end).order_by(
        "starts_at"
    ):
        if shift.starts_at > cursor:
            gaps.append((cursor, shift.starts_at))
        cursor = max(cursor, shift.ends_at)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def add_shift(
    *, actor: User, user: User, starts_at: dt.datetime, ends_at: dt.datetime, time_zone: str
) -> OnCallShift:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SafetyError(_("Unknown time zone: %(tz)s.") % {"tz": time_zone}) from exc
    if ends_at <= starts_at:
        raise SafetyError(_("A shift must end after it starts."))
    if ends_at - starts_at > dt.timedelta(days=14):
        raise SafetyError(_("A shift longer than two weeks is not a shift."))
    with transaction.atomic():
        shift = OnCallShift.objects.create(
            user=user, starts_at=starts_at, ends_at=ends_at, time_zone=time_zone
        )
        log_event(actor=actor, action="roster.add", object_type="user", object_id=user.pk)
    return shift


def remove_shift(*, actor: User, shift: OnCallShift) -> None:
    with transaction.atomic():
        user_id = shift.user_id
        shift.delete()
        log_event(actor=actor, action="roster.remove", object_type="user", object_id=user_id)

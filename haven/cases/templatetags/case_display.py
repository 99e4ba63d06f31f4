"""How sealed values and stored codes of a case are shown: never as stored keys ("in_transit",
"confiscated", "DE"), always translated, and never failing on a shape the page did not expect
(a date of birth may be a full date, a month or a year; a 500 would hide the whole case)."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from haven.cases.countries import country_name
from haven.cases.models import State

register = template.Library()


@register.filter
def partial_date(value: Any) -> str:
    """ "1990-05-05" → "5 мая 1990 г."; "1990-05" → "май 1990 г."; "1990" → "1990"; anything else
    as it was typed (it is someone's data, not ours to drop)."""
    raw = str(value or "").strip()
    try:
        return date_format(datetime.date.fromisoformat(raw), "DATE_FORMAT")
    except ValueError:
        pass
    parts = raw.split("-")
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        try:
            return date_format(datetime.date(int(parts[0]), int(parts[1]), 1), "YEAR_MONTH_FORMAT")
        except ValueError:
            return raw
    return raw


@register.filter
def birth(value: Any) -> str:
    """A date of birth as stored: {"date": "1990-05-05"}, {"date": "1990-05"} (a registry import
    may carry a month only), {"month": "1990-05"} or {"year": 1990}."""
    if not isinstance(value, dict):
        return partial_date(value)
    return partial_date(value.get("date") or value.get("month") or value.get("year") or "")


PASSPORT = {
    "yes": lambda: _("Has it"),
    "no": lambda: _("None"),
    "confiscated": lambda: _("Confiscated"),
}


@register.filter
def passport(value: Any) -> str:
    label = PASSPORT.get(str(value or ""))
    return label() if label else "—"


@register.filter
def country(code: Any) -> str:
    return country_name(str(code or ""))


@register.filter
def state_label(code: Any) -> str:
    try:
        return str(State(code).label)
    except ValueError:
        return str(code)


@register.filter
def message_direction(direction: Any) -> str:
    """Who wrote a hotline message, as the conversation copied into the case stores it."""
    return _("From the person") if direction == "in" else _("Reply")

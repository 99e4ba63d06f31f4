"""The network's figures, from non-identifying columns only: states, dates, countries, counts.
Nothing here opens a vault (a test makes every keyring operation fail while it runs). Each table
goes through small-count suppression before anyone sees it."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import CharField, Count, F, FloatField, Func, Q, Window
from django.db.models.functions import Coalesce, Lag, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.cases.public import Case, CaseTransition, State, region_choices, region_label
from haven.lib.suppression import Table, protect, protected_median

ACTIVE_PIPELINE = [
    State.INTAKE,
    State.VETTING,
    State.PLANNING,
    State.IN_TRANSIT,
    State.SHELTERED,
    State.DOCUMENTS,
    State.DEPARTED,
    State.RESETTLED,
    State.CLOSED,
]


@dataclass(frozen=True)
class Period:
    start: dt.date | None = None
    end: dt.date | None = None
    region: str = ""

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        tz = timezone.get_current_timezone()
        # The first and last days there are mean "no bound": a day beyond them does not exist
        # (converting their midnight to UTC, or adding a day, would overflow).
        start = (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
            if self.start and dt.date.min < self.start
            else None
        )
        end = (
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
            if self.end and self.end < dt.date.max
            else None
        )
        return start, end

    def describe(self) -> str:
        return f"{self.start or '…'} – {self.end or '…'}" + (
            f" · {region_label(self.region)}" if self.region else ""
        )


@dataclass
class Report:
    name: str
    title: Any
    table: Table[Any]
    labels: dict[Any, str] = field(default_factory=dict)
    chart: str = "bar"  # or "columns"

    def rows(self) -> list[tuple[str, Any]]:
        return [(self.labels.get(key, str(key)), cell) for key, cell in self.table.rows()]


def k() -> int:
    return int(getattr(settings, "HAVEN_REPORT_K", 5))


def _cases(period: Period) -> Any:
    cases = Case.objects.all()
    start, end = period.bounds()
    if start:
        cases = cases.filter(created_at__gte=start)
    if end:
        cases = cases.filter(created_at__lt=end)
    if period.region:
        cases = cases.filter(region_of_origin=period.region)
    return cases


class _MondayUTC(Func):
    """The Monday of a UTC timestamp's week as "YYYY-MM-DD", by SQLite's own date functions."""

    output_field = CharField()
    template = "date(%(expressions)s, 'weekday 0', '-6 days')"


def _week_start(column: str) -> Any:
    """TruncWeek, except on SQLite in UTC: there Django's TruncWeek is a Python function called
    once per row (50,000 calls at 100,000 cases), while the date functions give the same Monday
    inside the database. Another time zone keeps TruncWeek, which converts to it."""
    if connection.vendor == "sqlite" and str(timezone.get_current_timezone()) == "UTC":
        return _MondayUTC(column)
    return TruncWeek(column)


def requests_per_week(period: Period) -> Report:
    from haven.intake.public import HelpRequest

    rows = HelpRequest.objects.all()
    start, end = period.bounds()
    if start:
        rows = rows.filter(created_at__gte=start)
    if end:
        rows = rows.filter(created_at__lt=end)
    weekly = {
        (r["week"] if isinstance(r["week"], str) else r["week"].date().isoformat()): r["n"]
        for r in rows.annotate(week=_week_start("created_at"))
        .values("week")
        .annotate(n=Count("id"))
        .order_by("week")
    }
    return Report(
        "requests", _("Requests for help per week"), protect(weekly, k=k()), chart="columns"
    )


def cases_by_state(period: Period) -> Report:
    counts = dict(
        _cases(period).values_list("state").annotate(n=Count("id")).values_list("state", "n")
    )
    ordered = {s: counts.get(s, 0) for s in State.values}
    return Report(
        "states",
        _("Cases by stage"),
        protect(ordered, k=k()),
        {s.value: str(s.label) for s in State},
    )


def outcomes(period: Period) -> Report:
    cases = _cases(period)
    counts: Counter[str] = Counter()
    # Grouped in the database: a few dozen rows whatever the number of cases.
    grouped = (
        cases.values_list("outcome", "outcome_country", "state")
        .annotate(n=Count("id"))
        .values_list("outcome", "outcome_country", "state", "n")
        .order_by()
    )
    for outcome, country, state, n in grouped:
        if outcome == Case.Outcome.ABROAD:
            counts[f"abroad:{country or '??'}"] += n
        elif outcome == Case.Outcome.IN_COUNTRY:
            counts["in_country"] += n
        elif state in (State.MISSING, State.DETAINED, State.DECEASED):
            counts[state] += n
        elif state not in (State.CLOSED, State.WITHDRAWN):
            counts["waiting"] += n
    labels = {
        "in_country": str(_("Relocated within the country")),
        "waiting": str(_("Still waiting")),
        "missing": str(State.MISSING.label),
        "detained": str(State.DETAINED.label),
        "deceased": str(State.DECEASED.label),
    }
    for key in counts:
        if key.startswith("abroad:"):
            labels[key] = str(
                _("Relocated abroad: %(country)s") % {"country": key.split(":", 1)[1]}
            )
    return Report("outcomes", _("Outcomes"), protect(dict(sorted(counts.items())), k=k()), labels)


class _DaysBetween(Func):
    """Days from the first timestamp to the second, as a float, computed by the database."""

    output_field = FloatField()
    arity = 2

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        start, end = self.source_expressions
        start_sql, start_params = compiler.compile(start)
        end_sql, end_params = compiler.compile(end)
        return f"(julianday({end_sql}) - julianday({start_sql}))", [*end_params, *start_params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        start, end = self.source_expressions
        start_sql, start_params = compiler.compile(start)
        end_sql, end_params = compiler.compile(end)
        return (
            f"(EXTRACT(EPOCH FROM ({end_sql} - {start_sql})) / 86400.0)",
            [*end_params, *start_params],
        )


def _stage_scope(period: Period) -> Any:
    start, end = period.bounds()
    if start or end or period.region:
        return CaseTransition.objects.filter(case_id__in=_cases(period).values("id"))
    return CaseTransition.objects.all()  # every case: no semi-join to pay for


def computed_durations(period: Period) -> dict[str, list[float]]:
    """Days spent in each stage, computed from the transition times themselves: the rule that
    each transition's stored `days_in_stage` follows, and the path for rows written without it."""
    # A stage lasts from the case's previous transition (or its creation) to the transition out
    # of it. The database pairs each transition with the one before it and returns only the
    # number of days: a float per transition, not two timestamps and a case id to parse.
    entered = Coalesce(
        Window(Lag("at"), partition_by=[F("case_id")], order_by=[F("at").asc(), F("id").asc()]),
        F("case__created_at"),
    )
    rows = (
        CaseTransition.objects.filter(case_id__in=_cases(period).values("id"))
        .annotate(days=_DaysBetween(entered, F("at")))
        .values_list("from_state", "days")
        .order_by()
    )
    durations: dict[str, list[float]] = defaultdict(list)
    for from_state, days in rows:
        if days is not None:
            durations[from_state].append(float(days))
    return durations


def _stage_row(
    state: str, median: float | None, q1: float | None, q3: float | None
) -> dict[str, Any]:
    return {
        "state": state,
        "label": str(State(state).label),
        "median": median,
        "q1": q1 if median is not None else None,
        "q3": q3 if median is not None else None,
        "enough": median is not None,
    }


def time_in_stage(period: Period) -> list[dict[str, Any]]:
    """Median and spread (quartiles) of days spent in each stage. A stage with fewer than k
    cases shows no figures; a quartile of fewer than k values neither.

    Each transition stores the days spent in the stage it left, under an index on (stage,
    days): the medians are read by position from that index (a count per stage, then at most
    two values per figure), so the page reads a few dozen numbers instead of 400,000 at
    100,000 cases. Rows written without the stored days (straight to the table) are counted
    by computing every duration, as before."""
    scope = _stage_scope(period)
    if scope.filter(from_state__in=ACTIVE_PIPELINE, days_in_stage__isnull=True).exists():
        durations = computed_durations(period)
        out = []
        for state in ACTIVE_PIPELINE:
            values = sorted(durations.get(state, []))
            out.append(
                _stage_row(
                    state,
                    protected_median(values, k=k()),
                    protected_median(values[: len(values) // 2], k=k()),
                    protected_median(values[(len(values) + 1) // 2 :], k=k()),
                )
            )
        return out
    # COUNT(from_state), not COUNT(id): the index holds from_state, so the count never reads the
    # table (1.7 s against 0.1 s over 400,000 transitions on SQLite).
    counts = dict(
        scope.filter(from_state__in=ACTIVE_PIPELINE)
        .values_list("from_state")
        .annotate(n=Count("from_state"))
        .values_list("from_state", "n")
        .order_by()
    )
    out = []
    for state in ACTIVE_PIPELINE:
        n = counts.get(state, 0)
        ordered = (
            scope.filter(from_state=state)
            .order_by("days_in_stage")
            .values_list("days_in_stage", flat=True)
        )

        def median_of(offset: int, length: int, ordered: Any = ordered) -> float | None:
            """The median of ordered[offset : offset + length], as protected_median has it."""
            if length < k():
                return None
            middle = offset + length // 2
            if length % 2:
                return float(ordered[middle : middle + 1][0])
            low, high = ordered[middle - 1 : middle + 1]
            return (float(low) + float(high)) / 2

        median = median_of(0, n)
        if median is None:
            out.append(_stage_row(state, None, None, None))
            continue
        upper = (n + 1) // 2
        out.append(_stage_row(state, median, median_of(0, n // 2), median_of(upper, n - upper)))
    return out


def _watch_statuses(now: dt.datetime) -> list[str]:
    """Every watched person's status, as `Watch.get_status` computes it, from plain column
    tuples: building a model instance per watch was most of this figure's time (10,000 watches
    at 100,000 cases). The same schedule functions decide; a test compares with the model."""
    from zoneinfo import ZoneInfo

    from haven.safety.public import Watch, check_in_status, expected_check_in_at

    zones: dict[str, ZoneInfo] = {}
    out = []
    for state, interval, fixed, zone, grace, started, last in (
        Watch.objects.exclude(state="paused")
        .values_list(
            "state",
            "interval_minutes",
            "fixed_times",
            "time_zone",
            "grace_minutes",
            "started_at",
            "last_checkin_at",
        )
        .order_by()
    ):
        if zone not in zones:
            zones[zone] = ZoneInfo(zone)
        expected = expected_check_in_at(
            since=last or started,
            interval=dt.timedelta(minutes=interval) if interval else None,
            times=[dt.time.fromisoformat(t) for t in fixed],
            zone=zones[zone],
        )
        out.append(
            check_in_status(
                stored=state,
                now=now,
                expected=expected,
                grace=dt.timedelta(minutes=grace),
                has_checked_in=last is not None,
            )
        )
    return out


def checkin_health() -> dict[str, Any]:
    from haven.safety.public import SafetyIncident

    now = timezone.now()
    statuses = Counter(_watch_statuses(now))
    table = protect(
        {
            "up": statuses.get("up", 0) + statuses.get("new", 0),
            "late": statuses.get("late", 0),
            "down": statuses.get("down", 0),
        },
        k=k(),
    )
    minutes = [
        (a - s).total_seconds() / 60  # type: ignore[operator]
        for s, a in SafetyIncident.objects.filter(acknowledged_at__isnull=False).values_list(
            "started_at", "acknowledged_at"
        )
    ]
    return {
        "table": Report(
            "checkins",
            _("Check-in health"),
            table,
            {"up": str(_("Up")), "late": str(_("Late")), "down": str(_("Down"))},
        ),
        "median_ack_minutes": protected_median(minutes, k=k()),
    }


def summary(period: Period) -> dict[str, Any]:
    """The headline figures for a press release: suppressed, with the period stated."""
    cases = _cases(period)
    relocated = cases.filter(outcome__in=[Case.Outcome.ABROAD, Case.Outcome.IN_COUNTRY])
    counts = relocated.aggregate(
        total=Count("id"),
        abroad=Count("id", filter=Q(outcome=Case.Outcome.ABROAD)),
        in_country=Count("id", filter=Q(outcome=Case.Outcome.IN_COUNTRY)),
    )
    headline = protect({"abroad": counts["abroad"], "in_country": counts["in_country"]}, k=k())
    countries = dict(
        relocated.filter(outcome=Case.Outcome.ABROAD)
        .values_list("outcome_country")
        .annotate(n=Count("id"))
        .values_list("outcome_country", "n")
    )
    by_country = protect(countries, k=k())
    return {
        "period": period.describe(),
        "k": k(),
        "relocated": headline.total.as_json(k()),
        "relocated_abroad": headline.cells["abroad"].as_json(k()),
        "relocated_in_country": headline.cells["in_country"].as_json(k()),
        "countries": {c: cell.as_json(k()) for c, cell in by_country.rows()},
        "countries_count": len([c for c, n in countries.items() if n > 0])
        if not by_country.total.suppressed
        else {"suppressed": True, "below": k()},
    }


def missing_by_status(period: Period) -> Report:
    """Missing-person reports by their current status (entered in the period; region does not
    apply: registry reports carry no region column)."""
    from haven.missing.public import MissingPersonReport as MissingReport
    from haven.missing.public import Status

    rows = MissingReport.objects.all()
    start, end = period.bounds()
    if start:
        rows = rows.filter(entry_date__gte=start)
    if end:
        rows = rows.filter(entry_date__lt=end)
    counts = dict(rows.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    ordered = {s: counts.get(s, 0) for s in Status.values}
    return Report(
        "missing",
        _("Missing-person reports by status"),
        protect(ordered, k=k()),
        {s.value: str(s.label) for s in Status},
    )


def cases_by_region(period: Period) -> Report:
    """Cases by region of origin: codes of the closed list only (the column holds nothing else),
    in the list's order, regions with no case left out."""
    counts = dict(
        _cases(period)
        .exclude(region_of_origin="")
        .values_list("region_of_origin")
        .annotate(n=Count("id"))
        .values_list("region_of_origin", "n")
    )
    order = [code for code, _label in region_choices()]
    ordered = {code: counts[code] for code in order if counts.get(code)}
    return Report(
        "regions",
        _("Cases by region of origin"),
        protect(ordered, k=k()),
        {code: region_label(code) for code in ordered},
    )


def all_tables(period: Period, health: dict[str, Any] | None = None) -> list[Report]:
    """Every table of the page; `health` is a `checkin_health()` the caller already has (the
    page shows its median too: computed once per view, not twice)."""
    tables = [
        requests_per_week(period),
        cases_by_state(period),
        outcomes(period),
        cases_by_region(period),
        missing_by_status(period),
    ]
    try:
        tables.append((health or checkin_health())["table"])
    except LookupError:
        pass
    return tables

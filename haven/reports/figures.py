"""The network's figures, from non-identifying columns only: states, dates, countries, counts.
Nothing here opens a vault (a test makes every keyring operation fail while it runs). Each table
goes through small-count suppression before anyone sees it."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, F, FloatField, Func, Q, Window
from django.db.models.functions import Coalesce, Lag, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.cases import regions
from haven.cases.models import Case, CaseTransition, State
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
            f" · {regions.label(self.region)}" if self.region else ""
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


def requests_per_week(period: Period) -> Report:
    from haven.intake.models import HelpRequest

    rows = HelpRequest.objects.all()
    start, end = period.bounds()
    if start:
        rows = rows.filter(created_at__gte=start)
    if end:
        rows = rows.filter(created_at__lt=end)
    weekly = {
        r["week"].date().isoformat(): r["n"]
        for r in rows.annotate(week=TruncWeek("created_at"))
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


def time_in_stage(period: Period) -> list[dict[str, Any]]:
    """Median and spread (quartiles) of days spent in each stage, from transition times. A stage
    with fewer than k cases shows no figures."""
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
    out = []
    for state in ACTIVE_PIPELINE:
        values = sorted(durations.get(state, []))
        median = protected_median(values, k=k())
        q1 = protected_median(values[: len(values) // 2], k=k()) if median is not None else None
        q3 = (
            protected_median(values[(len(values) + 1) // 2 :], k=k())
            if median is not None
            else None
        )
        out.append(
            {
                "state": state,
                "label": str(State(state).label),
                "median": median,
                "q1": q1,
                "q3": q3,
                "enough": median is not None,
            }
        )
    return out


def checkin_health() -> dict[str, Any]:
    from haven.safety.models import SafetyIncident, Watch

    now = timezone.now()
    statuses = Counter(
        w.get_status(now)
        for w in Watch.objects.exclude(state="paused").only(
            "state",
            "interval_minutes",
            "fixed_times",
            "time_zone",
            "grace_minutes",
            "started_at",
            "last_checkin_at",
        )
    )
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
    from haven.missing.models import MissingPersonReport as MissingReport
    from haven.missing.models import Status

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
    order = [code for code, _label in regions.choices()]
    ordered = {code: counts[code] for code in order if counts.get(code)}
    return Report(
        "regions",
        _("Cases by region of origin"),
        protect(ordered, k=k()),
        {code: regions.label(code) for code in ordered},
    )


def all_tables(period: Period) -> list[Report]:
    tables = [
        requests_per_week(period),
        cases_by_state(period),
        outcomes(period),
        cases_by_region(period),
        missing_by_status(period),
    ]
    try:
        tables.append(checkin_health()["table"])
    except LookupError:
        pass
    return tables

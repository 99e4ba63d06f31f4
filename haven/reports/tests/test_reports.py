"""Figures from a known data set, suppression everywhere, and no vault ever opened."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.utils import translation

from haven.cases.models import Case, State
from haven.reports import figures
from haven.vault.models import Vault


def _cases(spec: list[tuple[str, str, str]]) -> None:
    """(state, outcome, country) per case, written straight to plain columns."""
    vault = Vault.objects.create(kind="case", public_key=b"x" * 32)
    Case.objects.bulk_create(
        [
            Case(vault=vault, state=s, outcome=o, outcome_country=c, region_of_origin="RU-CE")
            for s, o, c in spec
        ]
    )


@pytest.fixture
def no_decryption(monkeypatch):  # type: ignore[no-untyped-def]
    """Every way of opening a vault fails while a report runs."""
    from haven.vault import keyring

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a report path tried to open a vault")

    monkeypatch.setattr(keyring.Keyring, "open_many", refuse)
    monkeypatch.setattr(keyring.OpenVault, "unseal", refuse)
    monkeypatch.setattr(keyring.Keyring, "reader", refuse)


@pytest.mark.django_db
def test_outcomes_match_hand_computed_values_with_small_counts_hidden(no_decryption) -> None:
    _cases(
        [(State.RESETTLED, "abroad", "DE")] * 12
        + [(State.RESETTLED, "abroad", "FR")] * 2
        + [(State.DEPARTED, "in_country", "")] * 6
        + [(State.SHELTERED, "", "")] * 7
        + [(State.MISSING, "", "")] * 1
    )
    report = figures.outcomes(figures.Period())
    cells = dict(report.table.rows())
    assert cells["abroad:DE"].value == 12
    assert cells["abroad:FR"].suppressed  # 2
    assert cells["missing"].suppressed  # 1
    # 2 + 1 hidden people would add up to 3, itself a small count: the next smallest cell (6)
    # is hidden with them.
    assert cells["in_country"].suppressed and cells["waiting"].value == 7
    assert report.table.total.value == 28
    summary = figures.summary(figures.Period())
    assert (
        summary["relocated"] == 20
        and summary["relocated_abroad"] == 14
        and summary["relocated_in_country"] == 6
    )
    assert summary["countries"]["DE"] == {
        "suppressed": True,
        "below": None,
    }  # hidden to protect FR: not "fewer than 5"
    assert summary["countries"]["FR"] == {"suppressed": True, "below": 5}


@pytest.mark.django_db
def test_the_statistics_page_and_downloads_never_show_a_small_count(
    personas, client_for, no_decryption
) -> None:
    _cases(
        [(State.SHELTERED, "", "")] * 9
        + [(State.DOCUMENTS, "", "")] * 6
        + [(State.DETAINED, "", "")] * 3
    )
    client = client_for(personas.coordinator)
    page = client.get("/staff/reports/").content.decode()
    assert "меньше 5" in page and "<svg" in page and "<script" not in page
    data = json.loads(client.get("/staff/reports/states.json").content)
    with translation.override("ru"):
        label = {s: str(s.label) for s in State}
    counts = {row["label"]: row["count"] for row in data["rows"]}
    assert counts[label[State.SHELTERED]] == 9
    assert counts[label[State.DETAINED]] == {"suppressed": True, "below": 5}
    assert counts[label[State.DOCUMENTS]] == {
        "suppressed": True,
        "below": None,
    }  # the complement: 6 people, not "fewer than 5"
    assert data["total"] == 18
    csv_text = client.get("/staff/reports/states.csv").content.decode()
    assert "\r\nЗадержан(а),<5\r\n" in csv_text and "\r\nДокументы,x\r\n" in csv_text
    assert ",3\r\n" not in csv_text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "persona", "method", "status"),
    [
        ("/staff/reports/", "coordinator", "get", 200),
        ("/staff/reports/", "caseworker", "get", 403),
        ("/staff/reports/", "admin", "get", 403),
        ("/staff/reports/", "coordinator", "post", 405),
        ("/staff/reports/summary/", "coordinator", "get", 200),
        ("/staff/reports/outcomes.csv", "coordinator", "get", 200),
        ("/staff/reports/nothing.csv", "coordinator", "get", 404),
        ("/staff/reports/outcomes.xml", "coordinator", "get", 404),
        ("/staff/reports/outcomes.csv", "lawyer", "get", 403),
    ],
)
def test_report_views_check_role_and_method(
    personas, client_for, path, persona, method, status
) -> None:  # type: ignore[no-untyped-def]
    assert getattr(client_for(getattr(personas, persona)), method)(path).status_code == status


@pytest.mark.django_db
def test_a_period_that_ends_before_it_starts_is_a_clear_error(personas, client_for) -> None:
    body = (
        client_for(personas.coordinator)
        .get("/staff/reports/", {"start": "2026-05-01", "end": "2026-01-01"})
        .content.decode()
    )
    assert "Конец периода раньше начала." in body


@pytest.mark.django_db
def test_the_summary_command_prints_the_same_figures(capsys) -> None:
    _cases([(State.RESETTLED, "abroad", "DE")] * 6)
    call_command("report", "summary", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["relocated"] == 6 and data["countries"] == {"DE": 6}
    call_command("report", "summary", "--from", "2020-01-01", "--to", "2030-01-01")
    assert "Relocated:               6" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_statistics_page_runs_the_same_number_of_queries_for_any_number_of_cases(
    personas, client_for
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(personas.coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/staff/reports/").status_code == 200
        return len(ctx.captured_queries)

    _cases([(State.SHELTERED, "", "")] * 5)
    few = queries()
    _cases([(State.RESETTLED, "abroad", "DE")] * 60 + [(State.MISSING, "", "")] * 40)
    assert queries() == few


@pytest.mark.django_db
def test_time_in_stage_matches_hand_computed_days(no_decryption) -> None:
    import datetime as dt

    from django.utils import timezone

    from haven.cases.models import CaseTransition

    vault = Vault.objects.create(kind="case", public_key=b"x" * 32)
    start = timezone.now() - dt.timedelta(days=200)
    # Ten cases: created at `start`, vetting after 2 + i days, planning 10.5 days after that.
    for i in range(10):
        case = Case.objects.create(vault=vault, state=State.PLANNING, created_at=start)
        vetting_at = start + dt.timedelta(days=2 + i)
        CaseTransition.objects.create(
            case=case, vault=vault, from_state=State.INTAKE, to_state=State.VETTING, at=vetting_at
        )
        CaseTransition.objects.create(
            case=case,
            vault=vault,
            from_state=State.VETTING,
            to_state=State.PLANNING,
            at=vetting_at + dt.timedelta(days=10, hours=12),
        )
    stages = {row["state"]: row for row in figures.time_in_stage(figures.Period())}
    # intake lasted 2 ... 11 days: median 6.5, medians of each half 4 and 9.
    assert stages[State.INTAKE]["median"] == pytest.approx(6.5, abs=1e-3)
    assert stages[State.INTAKE]["q1"] == pytest.approx(4, abs=1e-3)
    assert stages[State.INTAKE]["q3"] == pytest.approx(9, abs=1e-3)
    assert stages[State.VETTING]["median"] == pytest.approx(10.5, abs=1e-3)
    assert not stages[State.PLANNING]["enough"]  # nobody has left planning yet


@pytest.mark.django_db
def test_a_period_ending_on_the_last_possible_day_is_a_period_without_an_end(
    personas, client_for, capsys
) -> None:
    _cases([(State.RESETTLED, "abroad", "DE")] * 6)
    response = client_for(personas.coordinator).get(
        "/staff/reports/", {"start": "0001-01-01", "end": "9999-12-31"}
    )
    assert response.status_code == 200
    call_command("report", "summary", "--to", "9999-12-31", "--json")
    assert json.loads(capsys.readouterr().out)["relocated"] == 6


@pytest.mark.django_db
def test_cases_by_region_counts_codes_with_their_names_and_hides_small_counts(
    no_decryption, client_for, personas
) -> None:
    from django.utils.translation import override

    vault = Vault.objects.create(kind="case", public_key=b"x" * 32)
    Case.objects.bulk_create(
        [Case(vault=vault, region_of_origin="RU-CE") for _ in range(7)]
        + [Case(vault=vault, region_of_origin="RU-DA") for _ in range(5)]
        + [Case(vault=vault, region_of_origin="") for _ in range(3)]
    )
    with override("en"):
        rows = dict(figures.cases_by_region(figures.Period()).rows())
    assert (rows["Chechnya"].value, rows["Dagestan"].value) == (7, 5)
    assert set(rows) == {"Chechnya", "Dagestan"}  # names, never a raw code; empty left out
    Case.objects.bulk_create([Case(vault=vault, region_of_origin="RU-IN") for _ in range(2)])
    with override("en"):
        rows = dict(figures.cases_by_region(figures.Period()).rows())
    assert rows["Ingushetia"].suppressed and rows["Ingushetia"].small
    body = client_for(personas.coordinator).get("/staff/reports/?region=RU-CE").content.decode()
    assert "Дела по региону происхождения" in body and "Чеченская Республика" in body


@pytest.mark.django_db
def test_the_summary_command_takes_a_region_by_code_or_exact_name_and_refuses_free_text(
    no_decryption,
) -> None:
    from django.core.management import CommandError

    out = io.StringIO()
    call_command("report", "summary", "--region", "Chechnya", stdout=out)
    assert "Чеченская Республика" in out.getvalue() or "Chechnya" in out.getvalue()
    with pytest.raises(CommandError, match="not a region of the list"):
        call_command("report", "summary", "--region", "Грозный")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "en"])
def test_no_download_of_any_table_names_a_row_by_an_internal_key(
    personas, client_for, language
) -> None:  # type: ignore[no-untyped-def]
    """Exports went out with a "key" column of state codes ("in_transit", "abroad:DE"); a reader
    of a published table sees labels in their language only."""
    import csv

    from haven.testing.raw_values import find_raw_values, raw_values

    _cases(
        [(State.IN_TRANSIT, "", "")] * 7
        + [(State.RESETTLED, "abroad", "DE")] * 8
        + [(State.DEPARTED, "in_country", "")] * 6
        + [(State.MISSING, "", "")] * 5
    )
    client = client_for(personas.coordinator)
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    values = raw_values(language)
    names = [t.name for t in figures.all_tables(figures.Period())]
    assert {"states", "outcomes", "regions", "missing", "requests"} <= set(names)
    for name in names:
        with translation.override(language):
            data = json.loads(client.get(f"/staff/reports/{name}.json").content)
            text = client.get(f"/staff/reports/{name}.csv").content.decode()
        json_nodes = [data["table"], data["period"]] + [row["label"] for row in data["rows"]]
        csv_nodes = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        assert data["rows"] or name == "requests", name  # no request for help in this data
        for nodes in (json_nodes, csv_nodes):
            assert find_raw_values(nodes, values, language=language) == [], (name, nodes)
            assert not any(node in values for node in nodes), (name, nodes)


def _history(n_cases: int, seed: int) -> None:
    """Cases with random transition histories written straight to the table, with the days in
    each stage filled as the transition action fills them (and the migration for old rows)."""
    import datetime as dt
    import random

    from django.utils import timezone

    from haven.cases.actions import stage_days
    from haven.cases.models import CaseTransition

    rng = random.Random(seed)
    vault = Vault.objects.create(kind="case", public_key=b"x" * 32)
    pipeline = figures.ACTIVE_PIPELINE
    now = timezone.now()
    for _i in range(n_cases):
        created = now - dt.timedelta(days=rng.uniform(30, 400))
        depth = rng.randrange(len(pipeline))
        case = Case.objects.create(
            vault=vault,
            state=pipeline[depth],
            created_at=created,
            region_of_origin=rng.choice(["RU-CE", "RU-DA"]),
        )
        at = entered = created
        for step in range(depth):
            at = at + dt.timedelta(days=rng.choice([0.5, 1, 2, 3.25, 7, 7, 30]))
            CaseTransition.objects.create(
                case=case,
                vault=vault,
                from_state=pipeline[step],
                to_state=pipeline[step + 1],
                at=at,
                days_in_stage=stage_days(entered, at),
            )
            entered = at


def _direct(period: figures.Period) -> dict[str, tuple[float | None, float | None, float | None]]:
    """Time in stage from every transition's time, sorted in Python: the plain definition."""
    from haven.lib.suppression import protected_median

    out = {}
    for state, values in figures.computed_durations(period).items():
        v = sorted(values)
        m = protected_median(v, k=5)
        out[state] = (
            m,
            protected_median(v[: len(v) // 2], k=5) if m is not None else None,
            protected_median(v[(len(v) + 1) // 2 :], k=5) if m is not None else None,
        )
    return out


@pytest.mark.django_db
@pytest.mark.parametrize(
    "period",
    [figures.Period(), figures.Period(region="RU-DA")],
    ids=["everything", "one region"],
)
def test_time_in_stage_read_from_the_index_equals_the_direct_computation(
    no_decryption, period
) -> None:
    _history(60, seed=16)
    stages = {row["state"]: row for row in figures.time_in_stage(period)}
    direct = _direct(period)
    assert any(row["enough"] for row in stages.values())
    for state, row in stages.items():
        median, q1, q3 = direct.get(state, (None, None, None))
        assert row["enough"] == (median is not None), state
        for got, want in ((row["median"], median), (row["q1"], q1), (row["q3"], q3)):
            assert (got is None) == (want is None), state
            if want is not None:
                assert got == pytest.approx(want, abs=1e-6), state


@pytest.mark.django_db
def test_the_transition_action_stores_the_days_the_statistics_would_compute(
    personas,
) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    import time_machine

    from haven.cases import actions as case_actions
    from haven.cases.models import CaseTransition
    from haven.testing.personas import keyring_for

    ring = keyring_for(personas.coordinator)
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        case = case_actions.create_case(keyring=ring, risk="high")
    with time_machine.travel(start + dt.timedelta(days=3, hours=6), tick=False):
        case_actions.transition(keyring=ring, case=case, to_state=State.WITHDRAWN, reason="r")
    row = CaseTransition.objects.get(case=case)
    assert row.days_in_stage == pytest.approx(3.25)
    assert figures.computed_durations(figures.Period())[State.INTAKE] == [pytest.approx(3.25)]


@pytest.mark.django_db
def test_requests_per_week_are_counted_in_the_week_of_their_monday(no_decryption) -> None:
    import datetime as dt

    from django.db.models import Count
    from django.db.models.functions import TruncWeek

    from haven.intake.models import HelpRequest, PortalIdentity

    # A Sunday late at night, the Monday after at midnight, a Wednesday: two weeks (5 and 10).
    times = [
        dt.datetime(2026, 3, 8, 23, 59, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 9, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 11, 12, 0, tzinfo=dt.UTC),
    ] * 5
    for i, at in enumerate(times):
        vault = Vault.objects.create(kind="codename", public_key=b"x" * 32)
        identity = PortalIdentity.objects.create(lookup_id=f"week-{i}", vault=vault)
        HelpRequest.objects.create(
            vault=vault, identity=identity, felt_urgency="days", created_at=at
        )
    report = figures.requests_per_week(figures.Period())
    direct = {
        r["week"].date().isoformat(): r["n"]
        for r in HelpRequest.objects.annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(n=Count("id"))
    }
    assert direct == {"2026-03-02": 5, "2026-03-09": 10}
    assert {key: cell.value for key, cell in report.table.rows()} == direct


@pytest.mark.django_db
def test_time_in_stage_from_the_index_hides_a_stage_left_by_fewer_than_k_cases(
    no_decryption,
) -> None:
    import datetime as dt

    from django.utils import timezone

    from haven.cases.models import CaseTransition

    vault = Vault.objects.create(kind="case", public_key=b"x" * 32)
    start = timezone.now() - dt.timedelta(days=100)
    for i in range(9):
        case = Case.objects.create(vault=vault, state=State.VETTING, created_at=start)
        CaseTransition.objects.create(
            case=case,
            vault=vault,
            from_state=State.INTAKE,
            to_state=State.VETTING,
            at=start + dt.timedelta(days=i + 1),
            days_in_stage=i + 1,
        )
        if i < 4:  # four of them also left vetting, after 2 days
            CaseTransition.objects.create(
                case=case,
                vault=vault,
                from_state=State.VETTING,
                to_state=State.PLANNING,
                at=start + dt.timedelta(days=i + 3),
                days_in_stage=2,
            )
    stages = {row["state"]: row for row in figures.time_in_stage(figures.Period())}
    assert stages[State.INTAKE]["median"] == 5 and stages[State.INTAKE]["enough"]
    # Quartiles are medians of 4 values each: fewer than k, so not shown either.
    assert stages[State.INTAKE]["q1"] is None and stages[State.INTAKE]["q3"] is None
    assert not stages[State.VETTING]["enough"] and stages[State.VETTING]["median"] is None


@pytest.mark.django_db
def test_check_in_health_counts_each_watch_as_its_own_status_says(no_decryption) -> None:
    import datetime as dt

    from django.utils import timezone

    from haven.reports.figures import _watch_statuses
    from haven.safety.models import Watch

    vault = Vault.objects.create(kind="case", public_key=b"x" * 32)
    now = timezone.now()
    specs = [
        # (state, interval minutes, fixed times, hours since the last check-in or None)
        ("up", 12 * 60, [], 1),
        ("up", 12 * 60, [], 12.5),  # late: past the interval, inside the grace
        ("up", 12 * 60, [], 30),  # down by the clock, not yet by the worker
        ("new", 6 * 60, [], None),
        ("down", 6 * 60, [], 2),
        ("paused", 6 * 60, [], 100),
        ("up", None, ["09:00", "21:00"], 3),
        ("up", None, ["09:00"], 40),
    ]
    for state, interval, times, hours in specs:
        case = Case.objects.create(vault=vault, state=State.SHELTERED)
        Watch.objects.create(
            case=case,
            interval_minutes=interval,
            fixed_times=times,
            time_zone="Europe/Moscow",
            grace_minutes=60,
            pin_hash="!",
            state=state,
            started_at=now - dt.timedelta(days=5),
            last_checkin_at=None if hours is None else now - dt.timedelta(hours=hours),
            next_deadline=now,
        )
    by_model = sorted(w.get_status(now) for w in Watch.objects.exclude(state="paused"))
    assert sorted(_watch_statuses(now)) == by_model
    assert {"up", "late", "down"} <= set(by_model)

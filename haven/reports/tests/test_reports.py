"""Figures from a known data set, suppression everywhere, and no vault ever opened."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

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
    counts = {row["key"]: row["count"] for row in data["rows"]}
    assert counts["sheltered"] == 9 and counts["detained"] == {"suppressed": True, "below": 5}
    assert counts["documents"] == {
        "suppressed": True,
        "below": None,
    }  # the complement: 6 people, not "fewer than 5"
    assert data["total"] == 18
    csv_text = client.get("/staff/reports/states.csv").content.decode()
    assert "detained,Задержан(а),<5" in csv_text and "documents,Документы,x" in csv_text
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

"""A missing-persons report opened from a case (the case page offers it after two days without
news from a watched person): prefilled from the case, linked to it on saving, shown on both."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from haven.cases import actions as case_actions
from haven.missing.models import CaseLink, MatchCandidate, MissingPersonReport
from haven.safety import actions as safety_actions
from haven.safety.worker import run_once
from haven.testing.personas import keyring_for


@pytest.fixture
def silent_case(personas, registry):  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.caseworker)
    case = case_actions.create_case(keyring=ring, risk="high")
    case_actions.save_person(
        keyring=ring,
        case=case,
        # WORKAROUND(issue 13, branch cases: a full date of birth makes the case page a 500).
        values={"given_name": "Ислам", "family_name": "Дудаев", "birth": {"year": 1997}},
    )
    safety_actions.save_watch(
        actor=personas.caseworker,
        case=case,
        interval_minutes=12 * 60,
        fixed_times=[],
        time_zone="Europe/Moscow",
        grace_minutes=30,
        pin="2468",
    )
    return case


@pytest.mark.django_db
def test_the_case_page_offers_a_missing_persons_report_only_after_48_hours_without_news(
    personas, silent_case, client_for
) -> None:
    start = timezone.now()
    with time_machine.travel(start + dt.timedelta(hours=13), tick=False):
        run_once()  # the watch goes down
        page = client_for(personas.caseworker).get(f"/staff/cases/{silent_case.id}/")
        assert f"/staff/missing/new/?case={silent_case.id}" not in page.content.decode()
    with time_machine.travel(start + dt.timedelta(hours=48, minutes=1), tick=False):
        page = client_for(personas.caseworker).get(f"/staff/cases/{silent_case.id}/")
        assert f"/staff/missing/new/?case={silent_case.id}" in page.content.decode()
        assert "Нет вестей больше 48 часов" in page.content.decode()


@pytest.mark.django_db
def test_a_report_opened_from_a_case_is_prefilled_and_linked_to_the_case_on_saving(
    personas, silent_case, client_for
) -> None:
    start = timezone.now()
    with time_machine.travel(start + dt.timedelta(hours=50), tick=False):
        run_once()
        client = client_for(personas.caseworker)
        form = client.get(f"/staff/missing/new/?case={silent_case.id}").content.decode()
        assert 'value="Ислам"' in form and 'value="Дудаев"' in form
        assert 'value="1997"' in form
        # ISO, or <input type=date> shows nothing: the last news, two days ago.
        assert f'value="{timezone.localdate(start).isoformat()}"' in form
        response = client.post(
            f"/staff/missing/new/?case={silent_case.id}",
            {
                "given_name": "Ислам",
                "family_name": "Дудаев",
                "source_kind": "staff",
                "reliability": "unknown",
            },
        )
    report = MissingPersonReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/missing/{report.id}/"
    link = CaseLink.objects.get()
    assert (link.report, link.case, link.unlinked_at) == (report, silent_case, None)
    # The matcher's suggestion of the case's own person is not left for someone to decide.
    assert not MatchCandidate.objects.filter(decision=MatchCandidate.Decision.PENDING).exists()
    case_page = client.get(f"/staff/cases/{silent_case.id}/").content.decode()
    assert report.reference in case_page
    assert silent_case.reference in client.get(f"/staff/missing/{report.id}/").content.decode()


@pytest.mark.django_db
def test_a_report_cannot_be_opened_from_a_case_one_cannot_open(
    personas, silent_case, client_for
) -> None:
    client = client_for(personas.docofficer)  # holds the registry, not the case
    assert client.get(f"/staff/missing/new/?case={silent_case.id}").status_code == 404
    assert client.get("/staff/missing/new/?case=not-a-case").status_code == 404
    response = client.post(
        f"/staff/missing/new/?case={silent_case.id}",
        {"given_name": "X", "source_kind": "staff", "reliability": "unknown"},
    )
    assert response.status_code == 404
    assert not MissingPersonReport.objects.exists()

"""Every page every person can reach, over a world of awkward data, in both languages.

For each staff persona (and for a person signed in on the portal with a codename) the crawler
starts where they start, follows every same-origin link breadth-first (bounded per URL shape) and
renders each GET page with templates that raise on a missing variable. Any 5xx fails the test
with its URL and the end of its traceback. See docs/developers.md ("The crawler").
"""

from __future__ import annotations

import pytest
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from haven.testing.crawler import Crawl, crawl, crawl_everyone, staff_client
from haven.testing.world import build_awkward_world

pytestmark = pytest.mark.django_db


def assert_no_server_errors(results: dict[str, Crawl]) -> None:
    failures = [
        f"as {who}: {failure}" for who, result in results.items() for failure in result.failures()
    ]
    assert not failures, f"{len(failures)} pages failed:\n\n" + "\n\n".join(failures)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_page_reachable_by_every_persona_renders_awkward_data_without_a_server_error(
    personas, strict_templates, lang
) -> None:
    world = build_awkward_world(personas)
    results = crawl_everyone(world, personas, lang)
    assert_no_server_errors(results)
    # The crawl really went everywhere: the awkward case, house, report and incident pages.
    reached = {p.url.split("?")[0] for r in results.values() for p in r.pages if p.status == 200}
    for page in (
        f"/staff/cases/{world.made['case'].pk}/",
        f"/staff/safe-houses/{world.made['house'].pk}/",
        f"/staff/missing/{world.made['report'].pk}/",
        f"/staff/evidence/{world.made['incident'].pk}/",
        "/inbox/",
    ):
        assert page in reached, f"the crawl never reached {page}"
    assert sum(len(r.pages) for r in results.values()) > 150


@login_not_required
def _start(request):  # type: ignore[no-untyped-def]
    return HttpResponse(
        '<a href="/fine/">fine</a> <a href="/boom/#x">boom</a> <a href="//elsewhere.example/">x</a>'
    )


@login_not_required
def _fine(request):  # type: ignore[no-untyped-def]
    return HttpResponse('<a href="/start/">back</a>')


@login_not_required
def _boom(request):  # type: ignore[no-untyped-def]
    raise RuntimeError("deliberately broken page")


urlpatterns = [path("start/", _start), path("fine/", _fine), path("boom/", _boom)]


@pytest.mark.urls("haven.core.tests.test_crawl")
def test_the_crawler_follows_links_and_reports_a_server_error_with_its_url() -> None:
    result = crawl(Client(), ("/start/",))
    assert [p.url for p in result.pages] == ["/start/", "/fine/", "/boom/"]
    failures = result.failures()
    assert len(failures) == 1 and failures[0].startswith("500 /boom/")
    assert "deliberately broken page" in failures[0]


def test_a_case_whose_person_has_a_full_date_of_birth_renders_for_everyone_who_holds_it(
    personas,
) -> None:
    # Issue 13, defect 1: `{{ p.birth.date|default:p.birth.year }}` resolved the filter's
    # argument, and a person with a full date has no "year" key: a 500 on every visit. Without
    # strict templates, as in production.
    world = build_awkward_world(personas, full_birth_date=True)
    case = world.made["case"]
    failures = []
    for name in ("caseworker", "lawyer", "docofficer"):
        result = crawl(staff_client(getattr(personas, name), "ru"), (f"/staff/cases/{case.pk}/",))
        failures += result.failures()
    assert not failures, "\n\n".join(failures)

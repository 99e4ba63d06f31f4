"""Error pages: "Back" leads to the area the person was in, and the 500 page tells the truth."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory
from django.utils import translation

from haven.core import views


def _back(response) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r'<a href="([^"]*)">(Назад|Back)</a>', response.content.decode())
    assert found is not None
    return found.group(1)


@pytest.mark.django_db
def test_a_staff_page_that_is_not_there_leads_back_to_the_staff_area(personas, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(personas.caseworker).get(
        "/staff/cases/00000000-0000-0000-0000-000000000000/"
    )
    assert response.status_code == 404
    assert _back(response) == "/staff/"


@pytest.mark.django_db
def test_a_portal_page_that_is_not_there_leads_back_to_the_portal(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert _back(response) == "/"


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "back"), [("/staff/cases/", "/staff/"), ("/inbox/", "/")])
def test_the_500_page_does_not_promise_that_trying_again_will_work(path, back) -> None:  # type: ignore[no-untyped-def]
    request = RequestFactory().get(path)
    for language in ("ru", "en"):
        with translation.override(language):
            response = views.server_error(request)
        text = response.content.decode()
        assert response.status_code == 500
        assert _back(response) == back
        assert "in a moment" not in text and "через минуту" not in text
        assert "not something you did" in text or "не в ваших действиях" in text


@pytest.mark.django_db
def test_a_database_that_does_not_answer_gets_a_translated_503_that_says_to_try_again(
    personas, client_for, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """During a failover the database refuses connections for some seconds (docs/operations.md):
    the person gets a page that says trying again will work, never the fault page or a trace."""
    from django.db import OperationalError

    def refuse(request):  # type: ignore[no-untyped-def]
        raise OperationalError("connection refused")

    monkeypatch.setattr(views, "dashboard_panel_functions", lambda: [refuse])
    client = client_for(personas.caseworker)
    client.raise_request_exception = False
    response = client.get("/staff/")
    text = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "connection refused" not in text and "Traceback" not in text
    assert "через минуту" in text or "in a minute" in text
    assert _back(response) == "/staff/"

    request = RequestFactory().get("/help/")
    for language, words in (("ru", "через минуту"), ("en", "in a minute")):
        with translation.override(language):
            try:
                raise OperationalError("could not connect")
            except OperationalError:
                response = views.server_error(request)
        assert response.status_code == 503
        assert words in response.content.decode()
        assert _back(response) == "/"

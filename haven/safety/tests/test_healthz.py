"""/staff/healthz: a monitoring system with the token, from an allowed network, reads the
database, replication, worker and delivery state; nobody else learns the page exists."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from haven.alerts.actions import notify_role
from haven.safety.models import Delivery
from haven.safety.worker import Worker

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)
TOKEN = "monitoring-token-for-tests"  # noqa: S105
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture(autouse=True)
def _token(settings):  # type: ignore[no-untyped-def]
    settings.HAVEN_HEALTHZ_TOKEN = TOKEN
    settings.HAVEN_HEALTHZ_NETWORKS = ["127.0.0.0/8", "::1/128"]


def test_it_reports_database_worker_and_deliveries_to_the_monitoring_system(
    client: Client, personas, time_machine
) -> None:
    time_machine.move_to(T0, tick=False)
    Worker(0).step()
    notify_role(role="coordinator", kind="panic", reference="C-9X2", link="/staff/cases/")
    time_machine.move_to(T0 + dt.timedelta(seconds=30), tick=False)

    response = client.get("/staff/healthz", **AUTH)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["worker"] == {"lag_seconds": 30.0, "sweeping": 1, "down": False}
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING).count()
    assert body["deliveries"]["pending"] == pending
    assert body["deliveries"]["failing"] is False
    if body["database"]["vendor"] == "sqlite":
        assert body["replication"] == {"lag_seconds": None}
        assert body["database"]["role"] == "embedded"
    else:  # a primary without standbys in the test cluster
        assert body["database"]["role"] == "primary"
    # Counts only: no reference, no link, no user.
    raw = json.dumps(body)
    assert "C-9X2" not in raw
    assert "/staff/cases" not in raw
    assert personas.coordinator.username not in raw


def test_it_answers_503_when_no_worker_has_swept_for_two_minutes(
    client: Client, time_machine
) -> None:
    time_machine.move_to(T0, tick=False)
    Worker(0).step()
    time_machine.move_to(T0 + dt.timedelta(minutes=3), tick=False)
    response = client.get("/staff/healthz", **AUTH)
    assert response.status_code == 503
    assert response.json()["status"] == "fail"
    assert response.json()["worker"]["down"] is True


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": TOKEN}],
    ids=["no token", "wrong token", "not a bearer header"],
)
def test_without_the_token_it_is_a_page_that_does_not_exist(client: Client, headers) -> None:
    response = client.get("/staff/healthz", **headers)
    assert response.status_code == 404
    assert b"worker" not in response.content


def test_from_outside_the_allowed_networks_even_the_token_is_refused(
    client: Client, settings
) -> None:
    response = client.get("/staff/healthz", REMOTE_ADDR="203.0.113.9", **AUTH)
    assert response.status_code == 404
    settings.HAVEN_HEALTHZ_NETWORKS = ["203.0.113.0/24"]
    allowed = client.get("/staff/healthz", REMOTE_ADDR="203.0.113.9", **AUTH)
    assert allowed.status_code == 503  # answered: no worker has ever swept here
    assert allowed.json()["worker"]["lag_seconds"] is None


def test_with_no_token_configured_the_endpoint_is_off(client: Client, settings) -> None:
    settings.HAVEN_HEALTHZ_TOKEN = ""
    assert client.get("/staff/healthz", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_the_coordinators_dashboard_shows_how_long_ago_the_worker_swept(
    personas, client_for, time_machine
) -> None:
    time_machine.move_to(T0, tick=False)
    Worker(0).step()
    time_machine.move_to(T0 + dt.timedelta(seconds=30), tick=False)
    page = client_for(personas.coordinator).get("/staff/").content.decode()
    # The personas read Haven in Russian.
    assert "Последний проход обработчика: 30 секунд назад." in page
    assert "Работает 1 обработчик." in page
    # A caseworker's dashboard has no such panel.
    caseworker_page = client_for(personas.caseworker).get("/staff/").content.decode()
    assert "Последний проход обработчика" not in caseworker_page

    time_machine.move_to(T0 + dt.timedelta(minutes=5), tick=False)
    page = client_for(personas.coordinator).get("/staff/").content.decode()
    assert "Обработчик остановился" in page

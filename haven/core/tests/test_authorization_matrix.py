"""Every URL in the project, called by every persona with every method, against the declared
table in `haven/<app>/tests/authz.py` (see haven/testing/authz.py for the format)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client

from haven.testing import authz
from haven.testing.personas import sign_in

pytestmark = pytest.mark.django_db


class Clients:
    """One signed-in client per persona, signed in again if a request ended its session."""

    def __init__(self, personas) -> None:  # type: ignore[no-untyped-def]
        self.personas = personas
        self.clients: dict[str, Client] = {}

    def get(self, persona: str) -> Client:
        if persona == "anonymous":
            return Client()
        client = self.clients.get(persona)
        if client is None or "_auth_user_id" not in client.session:
            client = sign_in(Client(), getattr(self.personas, persona))
            self.clients[persona] = client
        return client


def observe(clients: Clients, path: str) -> dict[str, dict[str, str]]:
    return {
        method: {p: authz.call(clients.get(p), method, path) for p in authz.PERSONAS}
        for method in authz.METHODS
    }


def test_every_url_answers_every_persona_and_method_as_declared(personas) -> None:
    run_matrix(personas)


def run_matrix(personas, only: set[str] | None = None) -> None:  # type: ignore[no-untyped-def]
    expect, fixtures = authz.collect()
    world = authz.World(personas)
    clients = Clients(personas)
    missing, wrong, drafts = [], [], []
    seen = set()
    for route in authz.routes():
        if only is not None and route.name not in only:
            continue
        seen.add(route.name)
        kwargs = (
            fixtures[route.name](world) if route.name in fixtures else authz.default_kwargs(route)
        )
        observed = observe(clients, authz.path_for(route, kwargs))
        drafts.append(authz.draft(route.name, observed))
        declared = expect.get(route.name)
        if declared is None:
            missing.append(
                f"URL {route.name!r} ({route.pattern}, {route.module}) has no expectation. "
                f"Review this row and add it to EXPECT in haven/{route.app}/tests/authz.py:\n"
                + authz.draft(route.name, observed)
            )
            continue
        for method in authz.METHODS:
            if method not in declared:
                wrong.append(f"{route.name} {method}: no row declared")
                continue
            want = authz.parse_row(declared[method])
            for persona in authz.PERSONAS:
                if want[persona] != observed[method][persona]:
                    wrong.append(
                        f"{route.name} {method} as {persona}: expected {want[persona]}, got {observed[method][persona]}"
                    )
    if os.environ.get("HAVEN_AUTHZ_DRAFT"):
        Path(os.environ["HAVEN_AUTHZ_DRAFT"]).write_text("\n".join(drafts) + "\n")
    stale = sorted(set(expect) - seen) if only is None else []
    assert not missing, "\n\n".join(missing)
    assert not wrong, "\n".join(wrong)
    assert not stale, f"expectations for URLs that no longer exist: {stale}"


def test_a_url_without_an_expectation_fails_with_the_row_to_add(personas, monkeypatch) -> None:
    real = authz.collect

    def without_home():  # type: ignore[no-untyped-def]
        expect, fixtures = real()
        return {k: v for k, v in expect.items() if k != "core-home"}, fixtures

    monkeypatch.setattr(authz, "collect", without_home)
    with pytest.raises(AssertionError) as failure:
        run_matrix(personas, only={"core-home", "core-notifications"})
    message = str(failure.value)
    assert "URL 'core-home'" in message and "haven/core/tests/authz.py" in message
    assert '"GET": "login' in message


def test_a_row_must_name_every_persona() -> None:
    with pytest.raises(AssertionError, match="needs 8 outcomes"):
        authz.parse_row("login 200")

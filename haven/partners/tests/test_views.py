"""The partners pages: the authorisation matrix rows of this app, the duress persona on every
one of them, and what the pages show and refuse."""

from __future__ import annotations

import pytest
from django.test import Client

from haven.core.tests import test_authorization_matrix as matrix
from haven.testing import authz

pytestmark = pytest.mark.django_db

ROUTES = {r.name for r in authz.routes() if r.name.startswith("partners-")}


def test_every_partners_url_answers_as_declared(personas) -> None:  # type: ignore[no-untyped-def]
    assert len(ROUTES) == 20
    matrix.run_matrix(personas, only=ROUTES)


def test_a_duress_session_changes_nothing_on_any_partners_url(personas) -> None:  # type: ignore[no-untyped-def]
    _expect, fixtures = authz.collect()
    world = authz.World(personas)
    user = matrix._duress_persona(personas)
    client: Client | None = None
    failures = []
    for route in authz.routes():
        if route.name not in ROUTES:
            continue
        kwargs = (
            fixtures[route.name](world) if route.name in fixtures else authz.default_kwargs(route)
        )
        path = authz.path_for(route, kwargs)
        for method in authz.METHODS:
            client = matrix._duress_client(client, user)
            before = authz.snapshot()
            response = getattr(client, method.lower())(path)
            if response.status_code >= 500:
                failures.append(f"{method} {path}: {response.status_code}")
            changes = authz.changed_tables(before, authz.snapshot())
            if changes:
                failures.append(f"{method} {path} ({route.name}) changed {changes}")
    assert not failures, "\n".join(failures)

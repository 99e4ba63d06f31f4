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


# --- the duress persona (invariant 8) ----------------------------------------------------------

DURESS_PASSWORD = "the one I give them"


def _duress_persona(personas):  # type: ignore[no-untyped-def]
    """The coordinator persona (who holds real grants through the fixtures), given every role,
    with a duress password: the widest reach a coerced person could have."""
    from haven.accounts.actions import set_duress_password
    from haven.accounts.models import Role, RoleAssignment

    user = personas.coordinator
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=user, role=r) for r in Role.values if r not in user.roles]
    )
    user.__dict__.pop("roles", None)
    set_duress_password(user=user, duress_password=DURESS_PASSWORD)
    return user


def _duress_client(client: Client | None, user) -> Client:  # type: ignore[no-untyped-def]
    if client is not None and "_auth_user_id" in client.session:
        return client
    client = sign_in(Client(), user, DURESS_PASSWORD)
    assert client.session.get("haven_duress"), "the duress password did not open a duress session"
    return client


def test_a_duress_session_changes_no_table_whatever_url_and_method_it_calls(personas) -> None:
    from haven.audit.log import verify_chain
    from haven.audit.models import AuditEvent

    _expect, fixtures = authz.collect()
    world = authz.World(personas)
    user = _duress_persona(personas)
    client = None
    failures, calls = [], 0
    for route in authz.routes():
        kwargs = (
            fixtures[route.name](world) if route.name in fixtures else authz.default_kwargs(route)
        )
        path = authz.path_for(route, kwargs)
        after = None  # the route's fixtures wrote rows: the first call takes a fresh snapshot
        for method in authz.METHODS:
            # Signing in (again, if a call signed out) is the alarm, not part of the call.
            previous, client = client, _duress_client(client, user)
            # Nothing runs between one call's "after" and the next call's "before" unless the
            # client had to sign in again, so that snapshot is reused (half the queries).
            before = after if after is not None and client is previous else authz.snapshot()
            response = getattr(client, method.lower())(path)
            after = authz.snapshot()
            calls += 1
            if response.status_code >= 500:
                failures.append(f"{method} {path}: {response.status_code}")
            changes = authz.changed_tables(before, after)
            if changes:
                failures.append(f"{method} {path} ({route.name}) changed {changes}")
    assert calls > 300, calls  # every route was called, not a handful
    assert not failures, "\n".join(failures)
    assert verify_chain().ok
    pretended = AuditEvent.objects.filter(action="duress.pretend", actor_id=user.pk)
    assert all(set(e.data) == {"view", "method", "writes"} for e in pretended)


def test_a_duress_session_sees_real_successes_for_real_writes_and_nothing_is_kept(
    personas,
) -> None:
    """The writes the penetration test made as a duress `admin`, and the other everyday ones,
    with valid forms: each answers as for a real user, and no table changes."""
    from haven.accounts.models import User
    from haven.audit.models import AuditEvent
    from haven.safety.models import Channel

    user = _duress_persona(personas)
    client = _duress_client(None, user)
    posts = [
        ("/staff/accounts/new/", {"username": "new.admin", "roles": ["admin", "coordinator"]}),
        (f"/staff/accounts/{user.pk}/roles/", {"roles": ["caseworker"]}),
        ("/staff/cases/new/", {"risk": "high", "p-given_name": "Аслан"}),
        (
            "/staff/watch/channels/",
            {"label": "Signal", "url": "json://localhost/", "priority": "1"},
        ),
        ("/staff/notifications/read/", {}),
        ("/staff/ops/wipe/start/", {"phrase": "WIPE"}),
        (
            "/staff/account/duress/",
            {"duress_password": "another one 123", "current_password": DURESS_PASSWORD},
        ),
    ]
    answers = {}
    for path, data in posts:
        before = authz.snapshot()
        response = client.post(path, data)
        assert authz.changed_tables(before, authz.snapshot()) == {}, path
        answers[path] = response
    created = answers["/staff/accounts/new/"]
    # What a real admin sees: the temporary password and the authenticator's QR code...
    assert created.status_code == 200 and "<svg" in created.content.decode()
    # ...for an account that does not exist.
    assert not User.objects.filter(username="new.admin").exists()
    assert answers[f"/staff/accounts/{user.pk}/roles/"].status_code == 302
    user.__dict__.pop("roles", None)
    assert "admin" in user.roles and "coordinator" in user.roles
    assert answers["/staff/cases/new/"].status_code == 302
    assert answers["/staff/watch/channels/"].status_code == 302
    assert not Channel.objects.filter(user=user).exists()
    assert answers["/staff/ops/wipe/start/"].status_code == 302
    duress_page = answers["/staff/account/duress/"]
    assert duress_page.status_code == 302, duress_page.content.decode()[:2000]
    assert AuditEvent.objects.filter(action="duress.pretend", actor_id=user.pk).count() >= 5


def test_a_duress_session_cannot_reach_a_colleagues_account(personas) -> None:
    """The demotion the penetration test made: another account is not found at all."""
    user = _duress_persona(personas)
    client = _duress_client(None, user)
    target = personas.coordinator2
    assert client.get(f"/staff/accounts/{target.pk}/").status_code == 404
    assert (
        client.post(f"/staff/accounts/{target.pk}/roles/", {"roles": ["lawyer"]}).status_code == 404
    )
    target.__dict__.pop("roles", None)
    assert target.roles == {"coordinator"}
    listing = client.get("/staff/accounts/").content.decode()
    assert target.username not in listing and user.username in listing

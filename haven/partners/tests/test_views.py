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
    assert len(ROUTES) == 21
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


def _built(personas):  # type: ignore[no-untyped-def]
    from haven.partners.tests.authz import _world

    return _world(authz.World(personas))


def test_a_duress_session_never_sends_a_referral_and_sees_no_partner(personas, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from haven.partners.actions import outgoing
    from haven.partners.models import Envelope, Partner

    built = _built(personas)
    Partner.objects.filter(pk=built["partner_id"]).update(haven_url="https://partner.example")
    delivered = []
    monkeypatch.setattr(outgoing, "deliver", lambda envelope_id: delivered.append(envelope_id))
    user = matrix._duress_persona(personas)
    client = matrix._duress_client(None, user)
    envelopes = Envelope.objects.count()
    response = client.post(
        f"/staff/partners/case/{built['case_id']}/refer/",
        {
            "partner": str(built["partner_id"]),
            "purpose": "referral",
            "people": [],
            "shared_fields": ["languages"],
        },
    )
    assert response.status_code in (400, 404)
    deliver = client.post(f"/staff/partners/package/{built['envelope_id']}/deliver/")
    assert deliver.status_code in (302, 404)
    assert Envelope.objects.count() == envelopes and delivered == []
    page = client.get("/staff/partners/directory/").content.decode()
    assert "Северный партнёр" not in page
    assert client.get(f"/staff/partners/received/{built['incoming_id']}/").status_code == 404


def test_another_coordinator_without_the_grants_gets_404(personas, client_for) -> None:  # type: ignore[no-untyped-def]
    built = _built(personas)
    from haven.accounts.models import Role
    from haven.testing.personas import make_staff

    stranger = client_for(make_staff("coord3", Role.COORDINATOR))
    for path in (
        f"/staff/partners/case/{built['case_id']}/",
        f"/staff/partners/sent/{built['referral_id']}/",
        f"/staff/partners/received/{built['incoming_id']}/",
        f"/staff/partners/package/{built['envelope_id']}/",
    ):
        assert stranger.get(path).status_code == 404, path


def test_the_pages_show_the_referral_and_what_arrived(
    personas, client_for, strict_templates
) -> None:  # type: ignore[no-untyped-def]
    built = _built(personas)
    client = client_for(personas.coordinator)
    case_page = client.get(f"/staff/partners/case/{built['case_id']}/").content.decode()
    assert "Тимур" in case_page and "Северный партнёр" in case_page
    directory = client.get("/staff/partners/directory/").content.decode()
    assert "Северный партнёр" in directory
    referral = client.get(f"/staff/partners/sent/{built['referral_id']}/").content.decode()
    assert "/staff/partners/package/" in referral
    received = client.get(f"/staff/partners/received/{built['incoming_id']}/")
    assert received.status_code == 200
    form = client.get(
        f"/staff/partners/case/{built['case_id']}/refer/?partner={built['partner_id']}"
    )
    assert form.status_code == 200
    refused = client.post(
        f"/staff/partners/case/{built['case_id']}/refer/",
        {"partner": str(built["partner_id"]), "purpose": "referral", "message": "моё сообщение"},
    )
    assert refused.status_code == 400 and "моё сообщение" in refused.content.decode()
    upload = client.post(
        "/staff/partners/upload/", {"package": __import__("io").BytesIO(b"not a package")}
    )
    assert upload.status_code == 400

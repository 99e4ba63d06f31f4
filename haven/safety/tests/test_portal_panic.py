"""Panic from the portal: on every signed-in page, confirmed by a second press that needs no
JavaScript, and never lost, with or without a case."""

from __future__ import annotations

import pytest
from django.test import Client

from haven.alerts.models import Notification
from haven.audit.models import AuditEvent
from haven.intake import actions as intake_actions
from haven.intake.forms import form_token
from haven.intake.models import HelpRequest, PortalIdentity
from haven.safety.models import SafetyIncident
from haven.testing.personas import keyring_for


@pytest.fixture
def intake_vault(personas):  # type: ignore[no-untyped-def]
    from haven.vault.actions import grant_vault

    ring = keyring_for(personas.coordinator)
    vault = intake_actions.set_up_intake_vault(actor=personas.coordinator, keyring=ring)
    grant_vault(keyring=ring, vault=vault, user=personas.operator)
    return vault


def _signed_in(felt: str = "later") -> tuple[Client, HelpRequest]:
    submission = intake_actions.submit_request(
        text="помогите", felt_urgency=felt, contact="", files=[], language="ru"
    )
    client = Client()
    entered = client.post("/enter/", {"codename": submission.codename, "form_token": form_token()})
    assert entered.status_code == 302
    return client, submission.request


@pytest.mark.django_db
def test_every_signed_in_page_offers_panic_and_the_first_press_only_asks_to_confirm(
    intake_vault,
) -> None:
    person, request = _signed_in()
    for page in ("/inbox/?lang=ru", "/checkin/?lang=ru"):
        body = person.get(page).content.decode()
        assert 'class="button danger panic" href="/panic/?lang=ru"' in body, page
        assert "Мне угрожает опасность прямо сейчас" in body
    confirm = person.get("/panic/?lang=ru")
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert '<input type="hidden" name="confirm" value="1">' in body and "<script" not in body
    request.refresh_from_db()
    assert request.panic_count == 0 and not Notification.objects.filter(kind="panic").exists()
    # A post without the confirmation (the old one-press form) raises nothing either.
    person.post("/panic/", {})
    person.post("/checkin/", {"panic": "1"})
    request.refresh_from_db()
    assert request.panic_count == 0 and not Notification.objects.filter(kind="panic").exists()


@pytest.mark.django_db
def test_panic_before_a_case_is_recorded_on_the_request_and_the_alert_links_to_it(
    intake_vault, personas, client_for
) -> None:
    person, request = _signed_in(felt="later")
    assert request.urgency == "normal"
    done = person.post("/panic/?lang=ru", {"confirm": "1"})
    assert done.status_code == 200 and "Мы получили тревогу" in done.content.decode()
    person.post("/panic/?lang=ru", {"confirm": "1"})

    request.refresh_from_db()
    assert request.panic_count == 2 and request.panic_last_at is not None
    assert request.urgency == "urgent"
    alerts = Notification.objects.filter(kind="panic")
    assert alerts.exists()
    assert {a.link for a in alerts} == {f"/staff/intake/{request.id}/"}
    assert {a.reference for a in alerts} == {request.reference}
    assert (
        AuditEvent.objects.filter(action="intake.panic", object_id=request.reference).count() == 2
    )

    staff = client_for(personas.operator)
    page = staff.get(f"/staff/intake/{request.id}/").content.decode()
    assert "Нажата тревожная кнопка" in page
    assert "2 раза" in page
    listing = staff.get("/staff/intake/").content.decode()
    assert "Нажата тревожная кнопка (2)" in listing


@pytest.mark.django_db
def test_panic_with_a_case_opens_an_incident_as_before(intake_vault, watch) -> None:
    person, request = _signed_in()
    PortalIdentity.objects.filter(pk=request.identity_id).update(case=watch.case)
    person.post("/panic/", {"confirm": "1"})
    assert SafetyIncident.objects.filter(kind="panic", case=watch.case).count() == 1
    request.refresh_from_db()
    assert request.panic_count == 0


@pytest.mark.django_db
def test_the_panic_pages_need_a_codename(client: Client) -> None:
    assert client.get("/panic/")["Location"] == "/enter/"
    assert client.post("/panic/", {"confirm": "1"})["Location"] == "/enter/"
    assert not Notification.objects.exists()

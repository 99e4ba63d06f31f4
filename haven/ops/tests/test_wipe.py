"""The emergency wipe: every key goes; one administrator alone cannot do it from the UI."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from haven.accounts.models import Role, StaffSession
from haven.audit.log import verify_chain
from haven.audit.models import AuditEvent
from haven.cases.models import Person
from haven.ops import wipe
from haven.ops.models import WipeRecord, WipeRequest
from haven.testing.personas import PASSWORD, keyring_for, make_staff
from haven.vault.keyring import VaultLocked
from haven.vault.models import Grant, UserKey, Vault
from haven.vault.userkeys import unwrap_user_key

pytestmark = pytest.mark.django_db


def assert_everything_is_gone() -> None:
    assert not Grant.objects.exists()
    assert not UserKey.objects.exists()
    assert not StaffSession.objects.exists()
    assert not Vault.objects.filter(sealed_private_key__isnull=False).exists()
    assert not Vault.objects.filter(shredded_at__isnull=True).exists()


def test_the_wipe_destroys_every_grant_key_and_session(personas, a_case, client_for) -> None:
    client_for(personas.caseworker)
    ring_before = keyring_for(personas.caseworker)
    counts = wipe.emergency_wipe(actor=None, via="command")
    assert counts.grants >= 3 and counts.user_keys == 8 and counts.sessions == 1
    assert_everything_is_gone()
    assert unwrap_user_key(personas.caseworker, PASSWORD) is None
    # Even a private key taken before the wipe opens nothing: the grants it unsealed are gone.
    with pytest.raises(VaultLocked):
        ring_before.open(Vault.objects.get(pk=a_case.vault_id))
    assert Person.objects.filter(case=a_case).exists()  # rows stay as unreadable bytes
    assert WipeRecord.objects.get().user_keys == 8
    event = AuditEvent.objects.get(action="ops.wipe")
    assert event.data["via"] == "command" and event.data["grants"] == counts.grants
    assert verify_chain().ok


def test_after_a_wipe_the_app_starts_and_says_what_happened(personas, a_case, client) -> None:
    wipe.emergency_wipe(actor=None, via="command")
    page = client.get("/staff/login/")
    assert page.status_code == 200
    assert "wiped" in page.content.decode() or "уничтож" in page.content.decode()
    failed = client.post(
        "/staff/login/", {"username": "cw", "password": PASSWORD, "otp_token": "000000"}
    )
    assert failed.status_code == 200  # a refusal, not a 500
    portal = client.get("/")
    assert portal.status_code == 200
    assert "wiped" not in portal.content.decode()  # the public learns nothing
    assert client.get("/staff/").status_code == 302


def test_the_command_needs_emergency_and_the_phrase(personas, monkeypatch) -> None:
    with pytest.raises(CommandError, match="--emergency"):
        call_command("wipe")
    monkeypatch.setattr("sys.stdin", io.StringIO("wipe everything?\n"))
    with pytest.raises(CommandError, match="phrase did not match"):
        call_command("wipe", "--emergency", stdout=io.StringIO())
    assert UserKey.objects.exists()
    monkeypatch.setattr("sys.stdin", io.StringIO("WIPE EVERYTHING\n"))
    out = io.StringIO()
    call_command("wipe", "--emergency", stdout=out)
    assert "8" in out.getvalue()
    assert_everything_is_gone()


def test_the_command_with_yes_does_not_ask(personas) -> None:
    call_command("wipe", "--emergency", "--yes", stdout=io.StringIO())
    assert_everything_is_gone()


@pytest.fixture
def admins(personas):  # type: ignore[no-untyped-def]
    return personas.admin, make_staff("admin2", Role.ADMIN)


def test_one_admin_starts_and_a_second_admin_confirms(admins, client_for, a_case) -> None:
    first, second = admins
    one, two = client_for(first), client_for(second)
    started = one.post("/staff/ops/wipe/start/", {"phrase": "wipe"})
    assert started.status_code == 302
    request = WipeRequest.objects.get()
    assert request.started_by == first and request.status == "pending"
    assert UserKey.objects.exists()  # nothing happens on one admin's word
    assert (
        "Emergency wipe waiting" in two.get("/staff/").content.decode()
        or "уничтож" in two.get("/staff/").content.decode()
    )

    done = two.post(f"/staff/ops/wipe/{request.pk}/confirm/", {"phrase": "WIPE"})
    assert done.status_code == 302 and done["Location"].startswith("/staff/login")
    assert_everything_is_gone()
    request.refresh_from_db()
    assert request.status == "confirmed" and request.decided_by == second
    event = AuditEvent.objects.get(action="ops.wipe")
    assert event.actor_id == second.pk and event.data["started_by"] == first.pk
    assert AuditEvent.objects.filter(action="ops.wipe_requested", actor_id=first.pk).exists()
    assert verify_chain().ok
    assert two.get("/staff/").status_code == 302  # the session is gone too


def test_the_admin_who_started_cannot_confirm(admins, client_for) -> None:
    first, _second = admins
    one = client_for(first)
    one.post("/staff/ops/wipe/start/", {"phrase": "WIPE"})
    request = WipeRequest.objects.get()
    refused = one.post(f"/staff/ops/wipe/{request.pk}/confirm/", {"phrase": "WIPE"})
    assert refused.status_code == 409
    assert "second administrator" in refused.content.decode() or "втор" in refused.content.decode()
    assert UserKey.objects.count() == 9 and not WipeRecord.objects.exists()
    assert AuditEvent.objects.filter(action="ops.wipe_refused", actor_id=first.pk).exists()


def test_a_request_lapses_after_the_window(admins, client_for, settings) -> None:
    first, second = admins
    settings.HAVEN_WIPE_CONFIRM_MINUTES = 10
    request = wipe.start_wipe(actor=first)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        with pytest.raises(wipe.WipeError) as refused:
            wipe.confirm_wipe(actor=second, request_id=request.pk)
    assert refused.value.code == "expired"
    assert UserKey.objects.exists()


def test_a_cancelled_request_cannot_be_confirmed(admins, client_for) -> None:
    first, second = admins
    request = wipe.start_wipe(actor=first)
    response = client_for(second).post(f"/staff/ops/wipe/{request.pk}/cancel/")
    assert response.status_code == 302
    with pytest.raises(wipe.WipeError) as refused:
        wipe.confirm_wipe(actor=second, request_id=request.pk)
    assert refused.value.code == "gone"
    assert AuditEvent.objects.filter(action="ops.wipe_cancelled", actor_id=second.pk).exists()


def test_only_one_request_waits_at_a_time(admins) -> None:
    first, second = admins
    wipe.start_wipe(actor=first)
    with pytest.raises(wipe.WipeError) as refused:
        wipe.start_wipe(actor=second)
    assert refused.value.code == "pending"


def test_a_wrong_phrase_is_explained_and_kept(admins, client_for) -> None:
    first, _second = admins
    response = client_for(first).post("/staff/ops/wipe/start/", {"phrase": "please"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="please"' in body
    assert not WipeRequest.objects.exists()


def test_a_confirmation_of_an_unknown_request_is_refused(admins, client_for) -> None:
    _first, second = admins
    response = client_for(second).post("/staff/ops/wipe/999/confirm/", {"phrase": "WIPE"})
    assert response.status_code == 409
    assert UserKey.objects.exists()


def test_other_roles_cannot_reach_the_wipe(personas, client_for) -> None:
    coordinator = client_for(personas.coordinator)
    assert coordinator.get("/staff/ops/wipe/").status_code == 403
    assert coordinator.post("/staff/ops/wipe/start/", {"phrase": "WIPE"}).status_code == 403
    assert Client().get("/staff/ops/wipe/").status_code == 302
    assert client_for(personas.admin).get("/staff/ops/wipe/start/").status_code == 405

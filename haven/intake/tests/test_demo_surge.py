"""The demo shows a surge at once: canned replies, a claimed request and an urgent request that
has waited long enough for the worker to raise its waiting-time alert."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from haven.accounts.models import User
from haven.alerts.models import Notification
from haven.intake.models import CannedReply, HelpRequest
from haven.safety.worker import run_once


@pytest.mark.django_db
def test_the_demo_triage_shows_queue_claims_canned_replies_and_a_waiting_alert(
    capsys,
) -> None:  # type: ignore[no-untyped-def]
    call_command("demo", "--no-serve")
    assert "/staff/intake/canned/" in capsys.readouterr().out
    assert CannedReply.objects.count() == 3
    claimed = HelpRequest.objects.get(claimed_by__username="coordinator")
    assert claimed.waiting_since is not None

    run_once()
    waiting = Notification.objects.filter(kind="urgent_waiting")
    assert waiting.exists()
    assert {n.link for n in waiting} == {
        f"/staff/intake/{r.id}/"
        for r in HelpRequest.objects.filter(urgency="urgent", wait_alerted_at__isnull=False)
    }

    from django.test import Client

    from haven.testing.personas import sign_in

    operator = User.objects.get(username="operator")
    page = sign_in(Client(), operator, "demo-operator-pass").get("/staff/intake/")
    text = page.content.decode()
    assert page.status_code == 200
    assert re.search(r"занято: coordinator, \d+ минут", text)  # the demo's staff read Russian
    detail = sign_in(Client(), operator, "demo-operator-pass").get(f"/staff/intake/{claimed.id}/")
    assert detail.content.decode().count('name="insert"') == 3

"""Codename sign-ins under a flood of wrong codenames: their own admission lane (a bounded number
of places, then a derivation slot taken in turn), a busy page that keeps what was typed, and no
failure counting that slows the next real person down."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from haven.intake.models import CodenameThrottle, PortalSession
from haven.lib.codenames import generate_codename

ROOT = Path(__file__).resolve().parents[3]


def _codename(client: Client, token: str) -> str:
    response = client.post(
        "/help/?lang=ru",
        {"text": "Мне нужна помощь", "felt_urgency": "days", "contact": "", "form_token": token},
    )
    match = re.search(
        r'<p class="codename"[^>]*><strong>([^<]+)</strong>', response.content.decode()
    )
    assert match
    return match.group(1)


@pytest.mark.django_db
def test_when_another_process_holds_every_sign_in_place_the_person_gets_busy_with_the_codename_kept(
    intake_vault, form_token, settings
) -> None:
    codename = _codename(Client(), form_token)
    settings.HAVEN_PORTAL_SIGNIN_PLACES = 3
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from haven.lib.admission import SharedBudget\n"
        "pool = SharedBudget(Path(sys.argv[1]), 'codename-sign-in-places', slots=3, rate=0, burst=0)\n"
        "held = [pool.try_acquire() for _ in range(3)]\n"
        "assert all(held)\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    holder = subprocess.Popen(  # noqa: S603  (our own interpreter and script)
        [sys.executable, "-c", script, settings.HAVEN_ADMISSION_DIR],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        refused = Client().post("/enter/?lang=ru", {"codename": codename, "form_token": form_token})
    finally:
        holder.kill()
        holder.wait()
    assert refused.status_code == 503 and refused["Retry-After"] == "30"
    body = refused.content.decode()
    assert "Сейчас очень много обращений" in body
    assert f'value="{codename}"' in body  # one more press and it goes through
    assert not refused.cookies
    assert not PortalSession.objects.exists()
    # the places come back with their holder's death, and the same press now signs in
    entered = Client().post("/enter/?lang=ru", {"codename": codename, "form_token": form_token})
    assert entered.status_code == 302


# A sign-in that finds no legacy derivation slot within its wait, and a current codename that
# needs none: haven/intake/tests/test_codename_rekeying.py.


@pytest.mark.django_db
def test_a_flood_of_wrong_codenames_neither_writes_nor_slows_the_next_real_sign_in(
    intake_vault, form_token, settings, monkeypatch
) -> None:
    import time

    from haven.intake import portal, views_portal

    codename = _codename(Client(), form_token)
    settings.HAVEN_PORTAL_GLOBAL_FAILURES = 5  # main slowed everyone past this many failures
    slept: list[float] = []

    class Clock:
        monotonic = staticmethod(time.monotonic)

        @staticmethod
        def sleep(seconds: float) -> None:
            slept.append(seconds)

    monkeypatch.setattr(views_portal, "time", Clock)
    monkeypatch.setattr(portal, "time", Clock)
    flood = Client()
    for _ in range(12):
        wrong = flood.post(
            "/enter/", {"codename": generate_codename("ru"), "form_token": form_token}
        )
        assert wrong.status_code == 200
    assert not CodenameThrottle.objects.exists()
    entered = Client().post("/enter/", {"codename": codename, "form_token": form_token})
    assert entered.status_code == 302
    assert [s for s in slept if s > 0] == []

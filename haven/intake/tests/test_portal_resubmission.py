"""The help form posted twice (a double press, a resend after the connection dropped over Tor)
is one request with one codename, however and whenever the second post arrives."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client

from haven.intake import actions
from haven.intake.forms import form_token
from haven.intake.models import HelpRequest, PortalIdentity


def _post(client: Client, token: str, text: str = "Мне нужна помощь") -> object:
    return client.post(
        "/help/?lang=ru", {"text": text, "felt_urgency": "days", "contact": "", "form_token": token}
    )


def _codename(response) -> str | None:  # type: ignore[no-untyped-def]
    match = re.search(
        r'<p class="codename"[^>]*><strong>([^<]+)</strong>', response.content.decode()
    )
    return match.group(1) if match else None


@pytest.mark.django_db
def test_the_same_form_posted_twice_is_one_request_with_the_same_codename(intake_vault) -> None:
    token = form_token()
    first = _post(Client(), token)
    second = _post(Client(), token, text="Мне нужна помощь")  # another connection, same page
    assert first.status_code == second.status_code == 200  # type: ignore[attr-defined]
    assert _codename(first) and _codename(first) == _codename(second)
    assert HelpRequest.objects.count() == 1 and PortalIdentity.objects.count() == 1
    assert HelpRequest.objects.get().messages.count() == 1
    assert "уже дошло до нас" in second.content.decode()  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_two_forms_are_two_requests(intake_vault) -> None:
    assert _codename(_post(Client(), form_token())) != _codename(_post(Client(), form_token()))
    assert HelpRequest.objects.count() == 2


@pytest.mark.django_db
def test_the_codename_is_not_kept_readable_and_is_forgotten_at_the_first_sign_in(
    intake_vault,
) -> None:
    token = form_token()
    codename = _codename(_post(Client(), token))
    assert codename
    row = HelpRequest.objects.get()
    assert row.retry_codename is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM intake_helprequest")
        dump = repr(cursor.fetchall())
    assert token not in dump and codename not in dump
    assert codename.encode() not in bytes(row.retry_codename)

    person = Client()
    assert (
        person.post("/enter/", {"codename": codename, "form_token": form_token()}).status_code
        == 302
    )
    row.refresh_from_db()
    assert row.retry_codename is None
    # The same form again: still the same request, and no codename to show any more.
    again = _post(Client(), token)
    assert again.status_code == 200  # type: ignore[attr-defined]
    assert _codename(again) is None
    assert "уже дошло до нас" in again.content.decode()  # type: ignore[attr-defined]
    assert HelpRequest.objects.count() == 1


@pytest.mark.django_db
def test_two_posts_of_one_form_arriving_at_once_still_make_one_request(
    intake_vault, monkeypatch
) -> None:
    token = form_token()
    first = actions.submit_request(
        text="раз", felt_urgency="days", contact="", files=[], language="ru", form_token=token
    )
    # The second post looked before the first committed, found nothing, and now collides.
    real = actions._earlier_submission
    calls = {"n": 0}

    def late_look(t: str):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return None if calls["n"] == 1 else real(t)

    monkeypatch.setattr(actions, "_earlier_submission", late_look)
    second = actions.submit_request(
        text="раз", felt_urgency="days", contact="", files=[], language="ru", form_token=token
    )
    assert calls["n"] == 2
    assert second.request.pk == first.request.pk and second.codename == first.codename
    assert HelpRequest.objects.count() == 1 and PortalIdentity.objects.count() == 1


@pytest.mark.django_db
def test_a_kept_codename_is_dropped_once_its_form_token_has_expired(
    intake_vault, time_machine
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    time_machine.move_to(timezone.now(), tick=False)
    _post(Client(), form_token())
    time_machine.move_to(timezone.now() + timedelta(hours=7), tick=False)
    _post(Client(), form_token())
    old, new = HelpRequest.objects.order_by("created_at")
    assert old.retry_codename is None and new.retry_codename is not None


@pytest.mark.django_db
def test_an_old_style_form_token_shared_by_two_visitors_never_gives_one_the_others_codename(
    intake_vault,
) -> None:
    from django.core import signing

    from haven.intake.forms import FORM_TOKEN_SALT

    # Before tokens carried a random value, everyone who opened the form in one second got this.
    shared = signing.dumps("portal-form", salt=FORM_TOKEN_SALT)
    first = _codename(_post(Client(), shared, text="первый"))
    second = _codename(_post(Client(), shared, text="второй"))
    assert first and second and first != second
    assert HelpRequest.objects.count() == 2
    assert not HelpRequest.objects.filter(form_token_hash__isnull=False).exists()

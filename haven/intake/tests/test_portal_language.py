"""The portal keeps the language the person chose, from the first page to panic, under a browser
that asks for another one, and without a cookie before the codename sign-in."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from haven.intake import actions
from haven.intake.forms import form_token
from haven.intake.models import PortalIdentity, PortalSession

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


def _lang_of(response) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'<html lang="([a-z-]+)"', response.content.decode())
    assert match, response.content.decode()[:500]
    return match.group(1)


@pytest.fixture
def codename(intake_vault) -> str:  # type: ignore[no-untyped-def]
    submission = actions.submit_request(
        text="Мне нужна помощь", felt_urgency="days", contact="", files=[], language="ru"
    )
    assert submission.codename
    return submission.codename


@pytest.mark.django_db
def test_russian_chosen_under_an_english_browser_stays_russian_after_sign_in_and_writing(
    codename: str,
) -> None:
    person = Client(**ENGLISH_BROWSER)
    home = person.get("/?lang=ru")
    assert _lang_of(home) == "ru" and not home.cookies
    assert _lang_of(person.get("/")) == "en"  # the browser's language, until they choose

    entered = person.post("/enter/?lang=ru", {"codename": codename, "form_token": form_token()})
    assert entered.status_code == 302
    inbox = person.get(entered["Location"])
    assert _lang_of(inbox) == "ru" and "Ваши сообщения" in inbox.content.decode()
    # A bare address (a bookmark, a link without ?lang) is still Russian: the session remembers.
    assert _lang_of(person.get("/inbox/")) == "ru"

    written = person.post("/inbox/write/", {"text": "Спасибо"})
    assert written.status_code == 302
    after = person.get(written["Location"])
    assert _lang_of(after) == "ru" and "Спасибо" in after.content.decode()

    for page in ("/checkin/", "/panic/"):
        assert _lang_of(person.get(page)) == "ru", page
    alerted = person.post("/panic/", {"confirm": "1"})
    assert _lang_of(alerted) == "ru" and "Мы получили тревогу" in alerted.content.decode()
    assert PortalSession.objects.get().language == "ru"


@pytest.mark.django_db
def test_switching_language_while_signed_in_is_remembered_for_the_next_pages(
    codename: str,
) -> None:
    person = Client()  # no Accept-Language: Russian by default
    person.post("/enter/", {"codename": codename, "form_token": form_token()})
    assert _lang_of(person.get("/inbox/")) == "ru"
    assert _lang_of(person.get("/inbox/?lang=en")) == "en"
    assert _lang_of(person.get("/inbox/")) == "en"
    assert _lang_of(person.get("/checkin/")) == "en"
    # The language lives in the session, not in the identity: the next sign-in chooses again.
    assert PortalIdentity.objects.get().language == "ru"


@pytest.mark.django_db
def test_no_cookie_is_set_before_the_codename_sign_in_in_either_language(intake_vault) -> None:
    person = Client(**ENGLISH_BROWSER)
    for url in ("/?lang=ru", "/help/?lang=ru", "/enter/?lang=ru", "/?lang=en"):
        response = person.get(url)
        assert response.status_code == 200
        assert not response.cookies, url
    sent = person.post(
        "/help/?lang=ru", {"text": "помогите", "felt_urgency": "days", "form_token": form_token()}
    )
    assert sent.status_code == 200 and not sent.cookies
    assert _lang_of(sent) == "ru"


@pytest.mark.django_db
def test_the_language_switch_on_a_refused_message_leads_to_a_page_that_exists(
    codename: str,
) -> None:
    person = Client()
    person.post("/enter/?lang=ru", {"codename": codename, "form_token": form_token()})
    refused = person.post("/inbox/write/?lang=ru", {"text": ""})
    assert refused.status_code == 400
    assert 'href="/inbox/?lang=en"' in refused.content.decode()
    assert person.get("/inbox/?lang=en").status_code == 200


@pytest.mark.django_db
def test_an_expired_session_sends_the_person_to_sign_in_in_the_language_they_asked_for(
    client: Client,
) -> None:
    assert client.get("/inbox/?lang=en")["Location"] == "/enter/?lang=en"
    assert client.get("/inbox/")["Location"] == "/enter/"

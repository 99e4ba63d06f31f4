"""What a person on the portal, and the staff behind it, see at the moments that matter: a
refused file named as they sent it, what happens after "I am in danger right now", their later
messages reaching their case, and language switches they can read."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from haven.alerts.models import Notification
from haven.intake import actions
from haven.intake.forms import form_token
from haven.intake.models import HelpRequest
from haven.testing.personas import keyring_for


def _help(client: Client, felt: str = "days", **extra) -> object:  # type: ignore[no-untyped-def]
    data = {"text": "Мне нужна помощь", "felt_urgency": felt, "form_token": form_token(), **extra}
    return client.post("/help/?lang=ru", data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("evil.jpg", b"<html><script>alert(1)</script></html>", "не картинка и не PDF"),
        ("holiday photo.png", b"", "пустой"),
        ("скан паспорта.pdf", b"%PDF-1.4\n%%EOF\n<html><script>x</script>", "скан паспорта.pdf"),
    ],
    ids=["html-named-jpg", "empty", "pdf-with-trailer"],
)
def test_an_upload_error_names_the_file_the_person_sent(
    client: Client, intake_vault, name: str, data: bytes, says: str
) -> None:
    response = _help(client, attachments=SimpleUploadedFile(name, data, content_type="image/jpeg"))
    page = response.content.decode()  # type: ignore[attr-defined]
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert says in page
    assert name in page
    stem = name.rsplit(".", 1)[0]
    assert not re.search(rf"{re.escape(stem)}\.(html|bin|txt)", page)
    assert not HelpRequest.objects.exists()


@pytest.mark.django_db
def test_a_control_character_in_a_sent_file_name_is_not_shown(client: Client, intake_vault) -> None:
    upload = SimpleUploadedFile(
        "../../evil\u202egpj.html", b"<html></html>", content_type="text/html"
    )
    page = _help(client, attachments=upload).content.decode()  # type: ignore[attr-defined]
    assert "evilgpj.html" in page and "\u202e" not in page and "../" not in page


@pytest.mark.django_db
def test_after_i_am_in_danger_right_now_the_page_says_what_happens_now(intake_vault) -> None:
    urgent = _help(Client(), felt="now").content.decode()  # type: ignore[attr-defined]
    assert "Что происходит сейчас" in urgent
    assert "Наша горячая линия уже получила сигнал" in urgent
    assert "через 15 минут" in urgent
    assert "Пока вы ждёте" in urgent
    assert "через несколько часов" not in urgent
    calm = _help(Client(), felt="later").content.decode()  # type: ignore[attr-defined]
    assert "через несколько часов" in calm and "через 15 минут" not in calm


@pytest.mark.django_db
def test_a_message_written_after_the_case_is_opened_reaches_the_case_page_and_its_caseworker(
    intake_vault, personas, client_for
) -> None:
    from haven.intake.models import CaseMessage

    submission = actions.submit_request(
        text="Первое сообщение", felt_urgency="days", contact="", files=[], language="ru"
    )
    case = actions.open_case(
        keyring=keyring_for(personas.operator),
        request=submission.request,
        caseworker=personas.caseworker,
    )
    Notification.objects.all().delete()
    person = Client()
    person.post("/enter/", {"codename": submission.codename, "form_token": form_token()})
    assert person.post("/inbox/write/", {"text": "Меня нашли, я у соседей"}).status_code == 302

    forwarded = CaseMessage.objects.select_related("vault").get(case=case)
    assert b"\xd0\x9c\xd0\xb5\xd0\xbd\xd1\x8f" not in bytes(forwarded.body)  # sealed, not plain
    page = client_for(personas.caseworker).get(f"/staff/cases/{case.id}/").content.decode()
    assert "Меня нашли, я у соседей" in page
    alert = Notification.objects.get(kind="portal_message")
    assert alert.recipient == personas.caseworker
    assert alert.reference == case.reference and alert.link == f"/staff/cases/{case.id}/"
    # The hotline's request still has the whole conversation.
    assert submission.request.messages.count() == 2
    # A message before any case stays with the hotline and alerts no caseworker.
    other = actions.submit_request(
        text="ещё", felt_urgency="days", contact="", files=[], language="ru"
    )
    actions.write_again(identity=other.request.identity, text="и ещё", files=[])
    assert CaseMessage.objects.count() == 1
    assert Notification.objects.filter(kind="portal_message").count() == 1


@pytest.mark.django_db
def test_language_switches_name_each_language_in_itself_on_portal_and_staff_pages(
    personas, client_for
) -> None:
    portal_ru = Client().get("/?lang=ru").content.decode()
    portal_en = Client().get("/?lang=en").content.decode()
    assert 'lang="en" hreflang="en">English</a>' in portal_ru
    assert 'lang="ru" hreflang="ru">Русский</a>' in portal_en
    staff = client_for(personas.caseworker)
    russian = staff.get("/staff/").content.decode()
    assert re.search(
        r'<button type="submit" name="language" value="en" lang="en">English</button>', russian
    )
    assert "Английский" not in russian
    staff.post("/i18n/setlang/", {"language": "en", "next": "/staff/"})
    english = staff.get("/staff/").content.decode()
    assert re.search(
        r'<button type="submit" name="language" value="ru" lang="ru">Русский</button>', english
    )
    assert ">Russian<" not in english

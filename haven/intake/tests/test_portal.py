"""The public portal, end to end, through the test client."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from haven.intake.models import HelpRequest, MessageAttachment, PortalSession
from haven.lib.codenames import normalise_codename
from haven.testing.leakscan import Markers, assert_no_leaks
from haven.testing.personas import keyring_for


def _submit(client: Client, token: str, text: str = "Мне нужна помощь", **extra) -> object:  # type: ignore[no-untyped-def]
    data = {"text": text, "felt_urgency": "days", "contact": "", "form_token": token, **extra}
    return client.post("/help/?lang=ru", data)


def _codename(response) -> str:  # type: ignore[no-untyped-def]
    match = re.search(
        r'<p class="codename"[^>]*><strong>([^<]+)</strong>', response.content.decode()
    )
    assert match, response.content.decode()[:2000]
    return match.group(1)


@pytest.mark.django_db
def test_the_portal_sets_no_cookie_and_sends_the_protective_headers(
    client: Client, intake_vault
) -> None:
    for url in ("/", "/help/", "/enter/", "/?lang=en"):
        response = client.get(url)
        assert response.status_code == 200
        assert not response.cookies, f"{url} set {list(response.cookies)}"
        assert response["Cache-Control"].startswith("no-store")
        assert response["Referrer-Policy"] == "no-referrer"
        assert response["X-Frame-Options"] == "DENY"
        assert "script-src 'none'" in response["Content-Security-Policy"]
        body = response.content.decode()
        assert "<script" not in body
        assert not re.search(r'(src|href)="(https?:)?//(?!www\.wikipedia\.org)', body)


@pytest.mark.django_db
def test_every_portal_page_has_a_quick_exit(client: Client, intake_vault) -> None:
    for url in ("/", "/help/", "/enter/"):
        assert "Покинуть сайт" in client.get(url).content.decode()


@pytest.mark.django_db
def test_the_onion_location_header_is_sent_when_configured(client: Client, settings) -> None:
    settings.HAVEN_ONION_LOCATION = "http://exampleonionaddress.onion"
    assert client.get("/help/")["Onion-Location"] == "http://exampleonionaddress.onion/help/"


@pytest.mark.django_db
def test_submit_read_reply_and_read_the_reply_with_the_codename(
    client: Client, intake_vault, personas, client_for, form_token
) -> None:
    response = _submit(client, form_token, text="Меня ищут родственники, нужна помощь")
    assert response.status_code == 200
    codename = _codename(response)
    assert len(codename.split()) == 7
    assert not response.cookies
    help_request = HelpRequest.objects.get()
    assert help_request.status == "new"

    operator = client_for(personas.operator)
    page = operator.get(f"/staff/intake/{help_request.id}/")
    assert "Меня ищут родственники" in page.content.decode()
    assert (
        operator.post(
            f"/staff/intake/{help_request.id}/reply/", {"text": "Мы вам поможем. Ответим завтра."}
        ).status_code
        == 302
    )

    person = Client()
    typed = "  " + codename.upper().replace(" ", "  -  ") + " \n"
    entered = person.post("/enter/?lang=ru", {"codename": typed, "form_token": form_token})
    assert entered.status_code == 302 and entered["Location"] == "/inbox/?lang=ru"
    cookie = entered.cookies["haven_portal"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    inbox_response = person.get("/inbox/?lang=ru")
    assert "haven_portal" not in inbox_response.cookies  # a session cookie: nothing to slide
    inbox = inbox_response.content.decode()
    assert "Мы вам поможем. Ответим завтра." in inbox
    assert "Меня ищут родственники" in inbox

    assert person.post("/inbox/write/?lang=ru", {"text": "Спасибо, жду"}).status_code == 302
    assert "Спасибо, жду" in operator.get(f"/staff/intake/{help_request.id}/").content.decode()

    left = person.post("/leave/")
    assert left.status_code == 302 and left.cookies["haven_portal"].value == ""
    assert not PortalSession.objects.exists()
    assert person.get("/inbox/").status_code == 302


@pytest.mark.django_db
def test_a_wrong_codename_gets_the_same_message_as_any_failure(
    client: Client, intake_vault, form_token
) -> None:
    codename = _codename(_submit(Client(), form_token))
    words = codename.split()
    from haven.lib.codenames import generate_codename

    other = generate_codename("ru")
    wrong_format = " ".join(words[:5])
    bodies = []
    for attempt in (other, wrong_format, "совсем не кодовое имя"):
        response = client.post("/enter/?lang=ru", {"codename": attempt, "form_token": form_token})
        assert response.status_code == 200
        body = response.content.decode()
        assert "Не удалось найти это кодовое имя" in body
        bodies.append(body)
        assert attempt in body  # what was typed comes back
    assert "A codename has 7 words" not in bodies[1]
    assert "Кодовое имя состоит из 7 слов" in bodies[1]


@pytest.mark.django_db
def test_an_empty_message_is_refused_and_nothing_is_saved(
    client: Client, intake_vault, form_token
) -> None:
    response = _submit(client, form_token, text="   ", contact="Signal: @safe")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Напишите, пожалуйста, несколько слов" in body
    assert "Signal: @safe" in body
    assert not HelpRequest.objects.exists()


@pytest.mark.django_db
def test_an_oversize_message_is_refused_with_the_text_kept(
    client: Client, intake_vault, form_token, settings
) -> None:
    text = "я" * (settings.HAVEN_INTAKE_MAX_TEXT + 1)
    response = _submit(client, form_token, text=text)
    assert response.status_code == 400
    body = response.content.decode()
    assert "лимит 100000" in body
    assert text in body
    assert not HelpRequest.objects.exists()


@pytest.mark.django_db
def test_a_hundred_thousand_characters_are_accepted(
    client: Client, intake_vault, form_token, settings
) -> None:
    response = _submit(client, form_token, text="ж" * settings.HAVEN_INTAKE_MAX_TEXT)
    assert response.status_code == 200
    assert HelpRequest.objects.count() == 1


@pytest.mark.django_db
def test_a_file_of_the_wrong_type_is_refused_by_its_content(
    client: Client, intake_vault, form_token
) -> None:
    evil = SimpleUploadedFile(
        "photo.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg"
    )
    response = _submit(client, form_token, text="смотрите файл", attachments=evil)
    assert response.status_code == 400
    assert "не картинка и не PDF" in response.content.decode()
    assert "смотрите файл" in response.content.decode()
    assert not HelpRequest.objects.exists()


@pytest.mark.django_db
def test_an_oversize_file_is_refused(client: Client, intake_vault, form_token, settings) -> None:
    settings.HAVEN_INTAKE_MAX_FILE_BYTES = 1024
    big = SimpleUploadedFile("doc.pdf", b"%PDF-1.4\n" + b"0" * 2048, content_type="application/pdf")
    response = _submit(client, form_token, attachments=big)
    assert response.status_code == 400
    assert "больше 0 МБ" in response.content.decode() or "больше" in response.content.decode()
    assert not HelpRequest.objects.exists()


@pytest.mark.django_db
def test_pictures_lose_their_gps_and_camera_data_before_they_are_stored(
    client: Client, intake_vault, form_token, personas
) -> None:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"  # Make
    exif[0x8825] = {1: "N", 2: (43.0, 18.0, 0.0)}  # GPSInfo: latitude
    raw = io.BytesIO()
    image.save(raw, format="JPEG", exif=exif)
    assert b"SecretCameraMaker" in raw.getvalue()
    upload = SimpleUploadedFile("me.jpg", raw.getvalue(), content_type="image/jpeg")
    assert _submit(client, form_token, text="фото", attachments=upload).status_code == 200
    attachment = MessageAttachment.objects.select_related("vault").get()
    opened = keyring_for(personas.operator).open(attachment.vault)
    stored = opened.unseal(attachment, "content")
    assert b"SecretCameraMaker" not in stored
    assert Image.open(io.BytesIO(stored)).getexif().get(0x8825) is None
    assert opened.unseal(attachment, "meta")["metadata_stripped"] is True


@pytest.mark.django_db
def test_a_malformed_multipart_body_gets_a_clear_page_not_a_crash(
    client: Client, intake_vault
) -> None:
    response = client.generic(
        "POST",
        "/help/?lang=ru",
        b'--xyz\r\nContent-Disposition: form-data; name="text"\r\n\r\nhello\r\n--xy',
        content_type="multipart/form-data; boundary=xyz",
    )
    assert response.status_code in (400, 413)
    assert not HelpRequest.objects.exists()


@pytest.mark.django_db
def test_a_body_too_large_to_read_gets_a_clear_page_on_asking_and_on_writing_again(
    client: Client, intake_vault, form_token, settings
) -> None:
    codename = _codename(_submit(client, form_token))
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    asked = _submit(Client(), form_token, text="помогите " * 5_000)
    client.post("/enter/", {"codename": codename, "form_token": form_token})
    written = client.post("/inbox/write/?lang=ru", {"text": "помогите " * 5_000})
    for response in (asked, written):
        assert response.status_code == 413
        assert "слишком" in response.content.decode()
        assert "Покинуть сайт" in response.content.decode()
    assert HelpRequest.objects.count() == 1


@pytest.mark.django_db
def test_an_absurdly_long_or_malformed_codename_post_gets_the_usual_failure_page(
    client: Client, intake_vault, form_token, settings
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    huge = client.post("/enter/?lang=ru", {"codename": "слово " * 5_000, "form_token": form_token})
    malformed = client.generic(
        "POST",
        "/enter/?lang=ru",
        b'--xyz\r\nContent-Disposition: form-data; name="codename"\r\n\r\nslovo\r\n--xy',
        content_type="multipart/form-data; boundary=xyz",
    )
    for response in (huge, malformed):
        assert response.status_code == 200
        assert "Не удалось найти это кодовое имя" in response.content.decode()
        assert not response.cookies


@pytest.mark.django_db
def test_an_expired_form_token_keeps_the_text_and_asks_to_send_again(
    client: Client, intake_vault
) -> None:
    response = client.post(
        "/help/?lang=ru",
        {"text": "важное сообщение", "felt_urgency": "now", "form_token": "forged"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "важное сообщение" in body
    assert "Срок действия формы истёк" in body


@pytest.mark.django_db
def test_the_portal_refuses_new_requests_until_the_intake_vault_exists(
    client: Client, form_token
) -> None:
    response = _submit(client, form_token)
    assert response.status_code == 503
    assert not HelpRequest.objects.exists()


@pytest.mark.django_db
def test_an_urgent_request_alerts_the_operators_without_content(
    client: Client, intake_vault, personas, form_token
) -> None:
    from haven.alerts.models import Notification

    _submit(client, form_token, text="срочно помогите", felt_urgency="now")
    note = Notification.objects.get(kind="urgent_request")
    assert note.recipient == personas.operator
    assert note.reference.startswith("RQ-")
    assert "срочно" not in note.reference + note.link


@pytest.mark.django_db
def test_when_every_submission_slot_is_taken_new_visitors_get_busy_and_codename_holders_do_not(
    client: Client, intake_vault, form_token, settings
) -> None:
    from haven.intake.middleware import new_submission_budget

    codename = _codename(_submit(client, form_token))
    settings.HAVEN_INTAKE_NEW_CONCURRENCY = 2
    budget = new_submission_budget()
    # Two submissions "in another process" hold every slot.
    held = [budget.try_acquire(), budget.try_acquire()]
    assert all(held)
    refused = _submit(Client(), form_token, text="второй запрос")
    assert refused.status_code == 503 and refused["Retry-After"] == "60"
    assert "второй запрос" in refused.content.decode()
    returning = Client()
    entered = returning.post("/enter/", {"codename": codename, "form_token": form_token})
    assert entered.status_code == 302
    assert returning.get("/inbox/").status_code == 200
    assert HelpRequest.objects.count() == 1
    for slot in held:
        slot.release()  # type: ignore[union-attr]
    # A new request comes from a fresh form: the same form token is the same request.
    from haven.intake.forms import form_token as fresh_token

    assert _submit(Client(), fresh_token(), text="снова").status_code == 200
    assert HelpRequest.objects.count() == 2


@pytest.mark.django_db
def test_when_the_rate_budget_is_spent_new_visitors_are_asked_to_come_back(
    client: Client, intake_vault, form_token, settings
) -> None:
    settings.HAVEN_INTAKE_NEW_PER_SECOND = 0.0001
    settings.HAVEN_INTAKE_NEW_BURST = 1
    first = _submit(client, form_token, text="первый")
    second = _submit(client, form_token, text="второй запрос")
    assert first.status_code == 200
    assert second.status_code == 503 and "второй запрос" in second.content.decode()
    assert HelpRequest.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_no_address_user_agent_or_referrer_is_stored_or_logged(
    intake_vault, form_token, caplog
) -> None:
    client = Client(
        REMOTE_ADDR="203.0.113.77",
        HTTP_USER_AGENT="MarkerAgent/9.9",
        HTTP_REFERER="https://referrer.example/secret-page",
    )
    codename = _codename(_submit(client, form_token))
    client.post("/enter/", {"codename": codename, "form_token": form_token})
    client.get("/inbox/")
    markers = Markers(values=["203.0.113.77", "MarkerAgent/9.9", "referrer.example"])
    assert_no_leaks(markers, log_text=caplog.text)


@pytest.mark.django_db(transaction=True)
def test_the_leak_scan_finds_nothing_of_a_submission_a_reply_or_a_codename(
    intake_vault, personas, client_for, form_token, caplog
) -> None:
    markers = Markers()
    client = Client()
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, format="PNG")
    text, contact = markers.new("text", cyrillic=True), markers.new("contact")
    response = _submit(
        client,
        form_token,
        text=text,
        contact=contact,
        attachments=SimpleUploadedFile(f"{markers.new('file')}.png", png.getvalue()),
    )
    codename = _codename(response)
    markers.values.append(codename)
    markers.values.extend(codename.split()[:1] and [normalise_codename(codename)])
    help_request = HelpRequest.objects.get()
    operator = client_for(personas.operator)
    operator.post(f"/staff/intake/{help_request.id}/reply/", {"text": markers.new("reply")})
    operator.post(
        f"/staff/intake/{help_request.id}/open-case/", {"caseworker": personas.caseworker.pk}
    )
    Client().post("/enter/", {"codename": codename, "form_token": form_token})
    assert_no_leaks(markers, log_text=caplog.text)


@pytest.mark.django_db
def test_writing_without_a_codename_session_goes_to_sign_in(client: Client) -> None:
    assert client.post("/inbox/write/", {"text": "x"})["Location"] == "/enter/"
    assert client.get("/leave/").status_code == 405


@pytest.mark.django_db
def test_an_expired_portal_session_opens_nothing_and_is_swept_at_the_next_sign_in(
    client: Client, intake_vault, form_token, time_machine
) -> None:
    codename = _codename(_submit(client, form_token))
    client.post("/enter/", {"codename": codename, "form_token": form_token})
    time_machine.move_to(timezone.now() + timedelta(minutes=31))
    assert client.get("/inbox/")["Location"] == "/enter/"
    Client().post("/enter/", {"codename": codename, "form_token": form_token})
    assert PortalSession.objects.count() == 1


@pytest.mark.django_db
def test_leaving_the_site_while_signed_in_ends_the_codename_session(
    client: Client, intake_vault, form_token, settings
) -> None:
    codename = _codename(_submit(client, form_token))
    client.post("/enter/", {"codename": codename, "form_token": form_token})
    inbox = client.get("/inbox/").content.decode()
    assert 'class="quick-exit" href="/exit/"' in inbox
    assert PortalSession.objects.count() == 1
    response = client.get("/exit/")
    assert response.status_code == 302
    assert response["Location"] == settings.HAVEN_QUICK_EXIT_URL
    assert response.cookies["haven_portal"]["max-age"] == 0
    assert PortalSession.objects.count() == 0
    assert client.get("/inbox/")["Location"] == "/enter/"
    assert client.post("/exit/").status_code == 405


def _png(size: tuple[int, int] = (20, 10)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 30)).save(out, format="PNG")
    return out.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


def _zip_bomb() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.bin", b"\0" * (8 * 2**20))
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("photo.png", _png() + _zip_bomb(), "спрятано другое содержимое"),  # picture + zip polyglot
        ("photo.png", _png_claiming(100_000, 100_000), "слишком большая для обработки"),
        ("photo.jpg", _zip_bomb(), "не картинка и не PDF"),  # a zip bomb under a picture's name
        ("doc.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n<html><script>x</script>", "спрятано"),
        ("photo.png", _png()[:-30], "повреждён"),
    ],
    ids=["polyglot", "decompression-bomb", "zip-bomb", "pdf-with-trailer", "truncated"],
)
def test_hostile_files_are_refused_on_the_portal_and_the_text_comes_back(
    client: Client, intake_vault, form_token, name, data, says
) -> None:
    upload = SimpleUploadedFile(name, data, content_type="image/png")
    response = _submit(client, form_token, text="мой текст остаётся", attachments=upload)
    page = response.content.decode()
    assert response.status_code == 400
    assert says in page, page[:3000]
    assert "мой текст остаётся" in page
    assert not HelpRequest.objects.exists() and not MessageAttachment.objects.exists()


@pytest.mark.django_db
def test_a_file_name_with_a_path_is_stored_as_a_bare_name_of_its_real_type(
    client: Client, intake_vault, form_token, personas
) -> None:
    upload = SimpleUploadedFile("../../etc/\u202epasswd.exe", _png(), content_type="text/plain")
    assert _submit(client, form_token, text="файл", attachments=upload).status_code == 200
    attachment = MessageAttachment.objects.select_related("vault").get()
    meta = keyring_for(personas.operator).open(attachment.vault).unseal(attachment, "meta")
    assert meta["name"] == "passwd.png"
    assert meta["type"] == "image/png" and meta["metadata_stripped"] is True

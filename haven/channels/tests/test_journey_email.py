"""Journey: it starts with an e-mail. Aishat writes to the hotline's address from her own mailbox,
in Russian, with a photo attached (the camera and the place still in it); Rustam writes from
his, encrypted with OpenPGP to the hotline's published key, his own key inside. All of it goes
through a real mail system on loopback (Dovecot over IMAPS, aiosmtpd with STARTTLS and AUTH).
One gateway step takes both from the mailbox and answers each with a codename, Rustam's
encrypted to his key. The operator (real Chromium, Russian UI) sees both requests with the
channel in words, downloads the photo without its camera and place, claims Aishat's request,
inserts a canned reply with one click and sends it; the next gateway step delivers it to her
mailbox and the page says so; Rustam's answer reaches him encrypted and opens with his key.
Then each of them signs in on the portal with the codename from the first e-mail and reads the
conversation there. No address and no word they wrote reaches the logs or the database in the
clear.

Synthetic seed: names, places, addresses and texts invented."""

from __future__ import annotations

import email
import email.policy
import email.utils
import io
import logging
import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import pytest

from haven.channels import delivery
from haven.channels.ingest import create_channel
from haven.intake import actions as intake_actions
from haven.intake import surge
from haven.intake.models import HelpRequest
from haven.testing.browser import chromium_page, only_local
from haven.testing.journey import flash_text, portal_sign_in, second_device, staff_sign_in
from haven.testing.leakscan import Markers, assert_no_leaks
from haven.testing.mailbox import channel_config, inbox, new_user, send_as
from haven.testing.mailserver import MailSystem
from haven.testing.openpgp_person import GnuPGPerson, gnupg_person
from haven.testing.personas import keyring_for
from haven.testing.raw_values import find_raw_values, raw_values, text_nodes
from haven.vault.actions import grant_vault

AISHAT_NAME = "Айшат Тестова"  # what her mail client puts beside her address
AISHAT_TEXT = (
    "Здравствуйте. Я из Назрани, брат забрал мой паспорт и грозит отвезти меня к дяде в село. "
    "Прикладываю фото. Можно ли уехать до пятницы?"
)
RUSTAM_TEXT = (
    "Пишу зашифрованно. Меня ищут на улице Вымышленной, 7, телефон забрали. Как с вами встретиться?"
)
CANNED_TITLE = "Мы на связи"
CANNED_RU = (
    "Мы получили ваше письмо и будем на связи. Удаляйте наши письма после прочтения "
    "и не пересылайте их никому."
)
CANNED_EN = "We received your message and will stay in touch. Delete our messages after reading."
REPLY_TO_RUSTAM = "Оставайтесь там, где вы сейчас. Завтра напишем, как встретиться."
CHANNEL_IN_WORDS = "Канал: Электронная почта"


def _photo_with_camera_and_place() -> bytes:
    """A JPEG as a phone takes it: the camera's make and the GPS position in its EXIF."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc"  # Make
    exif[0x8825] = {1: "N", 2: (43.0, 13.0, 0.0), 3: "E", 4: (44.0, 46.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (24, 16), "navy").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _aishat_writes(mail: MailSystem, aishat: str, hotline: str) -> None:
    msg = EmailMessage()
    msg["From"] = email.utils.formataddr((AISHAT_NAME, mail.address(aishat)))
    msg["To"] = mail.address(hotline)
    msg["Subject"] = "Нужна помощь"
    msg.set_content(AISHAT_TEXT)
    msg.add_attachment(
        _photo_with_camera_and_place(), maintype="image", subtype="jpeg", filename="фото.jpg"
    )
    send_as(mail, aishat, msg)


def _decrypted_text(gpg: GnuPGPerson, reply: Any) -> str:
    assert reply.get_content_type() == "multipart/encrypted", reply.get_content_type()
    clear = gpg.decrypt(reply.get_payload()[1].get_payload(decode=True))
    return str(email.message_from_bytes(clear, policy=email.policy.default).get_content()).strip()


def _mailbox(mail: MailSystem, user: str) -> list[EmailMessage]:
    """The person's inbox, as their mail client reads it over IMAP."""
    return [cast(EmailMessage, m) for m in inbox(mail, user)]


def _codename(text: str) -> str:
    found = re.search(r"кодовое имя: (.+?)\. Храните", text)
    assert found, text
    return found.group(1)


@pytest.fixture
def rustam(mail: MailSystem) -> Iterator[tuple[str, GnuPGPerson]]:
    """A person who uses OpenPGP: his mailbox and his own GnuPG (not Haven's Sequoia)."""
    name = new_user(mail, "rustam")
    with gnupg_person(mail.address(name)) as gpg:
        yield name, gpg


@pytest.mark.browser
@pytest.mark.journey
@pytest.mark.django_db(transaction=True)
def test_emails_reach_triage_are_answered_by_email_and_read_again_on_the_portal(
    live_server, personas, mail, rustam, caplog: pytest.LogCaptureFixture
) -> None:
    import pysequoia

    # Everything Haven would log at its most talkative (HAVEN_LOG_LEVEL=DEBUG) is scanned.
    caplog.set_level(logging.DEBUG, logger="haven")
    base = live_server.url
    ring = keyring_for(personas.coordinator)
    intake = intake_actions.set_up_intake_vault(actor=personas.coordinator, keyring=ring)
    grant_vault(keyring=ring, vault=intake, user=personas.operator)
    surge.save_canned_reply(
        actor=personas.coordinator,
        vault=intake,
        title=CANNED_TITLE,
        text_ru=CANNED_RU,
        text_en=CANNED_EN,
    )
    hotline = new_user(mail, "hotline")
    org = pysequoia.Tsk.generate(f"Hotline <{mail.address(hotline)}>")
    config = channel_config(mail, hotline)
    secrets = {k: str(config.pop(k)) for k in ("imap_password", "smtp_password")}
    create_channel(
        kind="email",
        name="hotline-mail",
        config=config,
        secrets={**secrets, "openpgp_key": str(org)},
    )
    aishat = new_user(mail, "aishat")  # lower case: Dovecot folds user names
    rustam_user, gpg = rustam
    markers = Markers(
        values=[
            mail.address(aishat),
            mail.address(rustam_user),
            AISHAT_NAME,
            AISHAT_TEXT,
            RUSTAM_TEXT,
            CANNED_RU,
            REPLY_TO_RUSTAM,
        ]
    )
    raw = raw_values("ru")
    # Staff user names (the case form lists them) are names, not codes.
    usernames = frozenset(u.username for u in personas.all().values())

    def no_raw_values(page: Any) -> None:
        found = find_raw_values(text_nodes(page.content()), raw, language="ru", ignore=usernames)
        assert found == [], (page.url, found)

    # --- the two people write, through the real SMTP server ------------------------------------
    _aishat_writes(mail, aishat, hotline)
    gpg.import_key(str(org.extract_certificate()).encode())  # from the portal or WKD
    send_as(mail, rustam_user, gpg.pgp_mime(to=mail.address(hotline), text=RUSTAM_TEXT))

    # --- one step of `haven gateway`: IMAP in, first replies out over SMTP ---------------------
    step = delivery.run_once()
    assert (step.ingested, step.sent, step.failed) == (2, 2, 0)
    first_request, second_request = HelpRequest.objects.order_by("created_at")
    assert first_request.language == second_request.language == "ru"

    [first_to_aishat] = _mailbox(mail, aishat)
    assert first_to_aishat["From"] == mail.address(hotline)
    assert first_to_aishat.get_content_type() == "text/plain"  # she sent no key
    first_text = first_to_aishat.get_content()
    assert "Электронная почта не шифруется" in first_text  # the channel's risk, in her language
    aishat_codename = _codename(first_text)

    [first_to_rustam] = _mailbox(mail, rustam_user)
    rustam_codename = _codename(_decrypted_text(gpg, first_to_rustam))
    assert rustam_codename not in first_to_rustam.as_string()  # his provider cannot read it
    markers.values += [aishat_codename, rustam_codename]

    with chromium_page() as (browser_page, requested):
        page: Any = browser_page
        server_errors: list[str] = []
        page.on(
            "response",
            lambda r: server_errors.append(f"{r.status} {r.url}") if r.status >= 500 else None,
        )
        staff_sign_in(page, base, personas.operator)
        page.goto(f"{base}/staff/intake/")
        listing = page.inner_text("main")
        assert first_request.reference in listing and second_request.reference in listing
        no_raw_values(page)

        # Aishat's request: where it came from, her words, her photo without camera or place.
        page.click(f"a:has-text('{first_request.reference}')")
        body = page.inner_text("main")
        assert AISHAT_TEXT in body
        assert CHANNEL_IN_WORDS in body
        assert f"Как с ними связаться: E-mail: {mail.address(aishat)}" in body
        assert "фото.jpg" in body and "метаданные и активное содержимое удалены" in body
        assert "Первый ответ с кодовым именем" in body and "Отправлено" in body
        no_raw_values(page)
        with page.expect_download() as download:
            page.click("a:has-text('фото.jpg')")
        photo = Path(download.value.path()).read_bytes()
        assert photo.startswith(b"\xff\xd8") and b"SpyCam" not in photo and b"Exif" not in photo

        page.click("form[action$='/claim/'] button")
        assert "Вы заняли это обращение" in page.inner_text("main")
        # One click puts the canned reply, in her language, into the form; nothing is sent yet.
        page.click(f"button[name=insert]:has-text('{CANNED_TITLE}')")
        reply_box = "form[action$='/reply/'] textarea[name=text]"
        assert page.input_value(reply_box).strip() == CANNED_RU
        assert len(_mailbox(mail, aishat)) == 1
        page.click("form[action$='/reply/'] button.primary")
        assert "Ответ отправлен." in flash_text(page), flash_text(page)
        statuses = page.inner_text(f"section:has-text('{CHANNEL_IN_WORDS}')")
        assert "Ответ из разбора запросов" in statuses and "Ждёт отправки" in statuses, statuses
        no_raw_values(page)

        assert delivery.run_once().sent == 1
        reply_to_aishat = _mailbox(mail, aishat)[-1]
        assert reply_to_aishat.get_content().strip() == CANNED_RU
        assert reply_to_aishat["Subject"] == "Re: ваше сообщение"  # neutral, in her language
        page.reload()
        statuses = page.inner_text(f"section:has-text('{CHANNEL_IN_WORDS}')")
        assert statuses.count("Отправлено") == 2 and "Ждёт отправки" not in statuses, statuses
        no_raw_values(page)

        # Rustam's request: the key he sent was kept, so the answer goes out encrypted.
        page.goto(f"{base}/staff/intake/")
        page.click(f"a:has-text('{second_request.reference}')")
        body = page.inner_text("main")
        assert RUSTAM_TEXT in body and CHANNEL_IN_WORDS in body
        assert f"E-mail: {mail.address(rustam_user)} (OpenPGP)" in body
        no_raw_values(page)
        page.click("form[action$='/claim/'] button")
        page.fill(reply_box, REPLY_TO_RUSTAM)
        page.click("form[action$='/reply/'] button.primary")
        assert "Ответ отправлен." in flash_text(page), flash_text(page)
        assert delivery.run_once().sent == 1
        replies = _mailbox(mail, rustam_user)
        assert len(replies) == 2
        assert REPLY_TO_RUSTAM not in replies[-1].as_string()
        assert _decrypted_text(gpg, replies[-1]) == REPLY_TO_RUSTAM
        page.reload()
        statuses = page.inner_text(f"section:has-text('{CHANNEL_IN_WORDS}')")
        assert statuses.count("Отправлено") == 2, statuses
        page.context.clear_cookies()

        # Each signs in on the portal with the codename from the first e-mail.
        portal_sign_in(page, base, aishat_codename)
        conversation = page.inner_text("main")
        assert AISHAT_TEXT in conversation and CANNED_RU in conversation
        assert RUSTAM_TEXT not in conversation
        no_raw_values(page)
        on_his_phone = second_device(page, requested)
        portal_sign_in(on_his_phone, base, rustam_codename)
        conversation = on_his_phone.inner_text("main")
        assert RUSTAM_TEXT in conversation and REPLY_TO_RUSTAM in conversation
        assert AISHAT_TEXT not in conversation
        no_raw_values(on_his_phone)
        on_his_phone.context.close()

        assert only_local(requested) == []
        assert server_errors == []

    assert_no_leaks(markers, log_text=caplog.text)

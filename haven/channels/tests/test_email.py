"""The e-mail adapter against a real mail system on loopback (Dovecot over IMAPS, aiosmtpd with
STARTTLS and AUTH in front of Dovecot's LMTP): what a person sends arrives as an Inbound, the
stored cursor neither loses nor repeats, replies land in the person's mailbox, OpenPGP works
both ways with a person using GnuPG."""

from __future__ import annotations

import email
import email.policy
import logging

import pytest

from haven.channels.adapters import PermanentSendError
from haven.channels.email import EmailAdapter, split_handle
from haven.testing.mailbox import channel_config, inbox, new_user, plain, send_as, uids
from haven.testing.mailserver import MailSystem


def _adapter(mail: MailSystem, hotline: str, **extra: object) -> EmailAdapter:
    return EmailAdapter(channel_config(mail, hotline, **extra))


def test_a_message_arrives_with_its_sender_text_language_and_file(mail: MailSystem) -> None:
    hotline, person = new_user(mail, "hotline"), new_user(mail, "person")
    msg = plain(mail.address(person), mail.address(hotline), "Нас ищут, нужна помощь")
    msg.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="a.pdf")
    send_as(mail, person, msg)

    batch = _adapter(mail, hotline).poll("")

    assert len(batch.messages) == 1
    got = batch.messages[0]
    assert got.sender == mail.address(person)
    assert got.text == "Нас ищут, нужна помощь"
    assert got.language == "ru"
    assert [(a.name, a.content_type) for a in got.attachments] == [("a.pdf", "application/pdf")]
    validity, uid = batch.cursor.split(":")
    assert got.provider_id == f"{validity}:{uid}"


def test_the_cursor_neither_repeats_nor_loses_and_deletes_only_what_it_covers(
    mail: MailSystem,
) -> None:
    hotline, person = new_user(mail, "hotline"), new_user(mail, "person")
    for n in range(3):
        send_as(mail, person, plain(mail.address(person), mail.address(hotline), f"message {n}"))
    adapter = _adapter(mail, hotline)

    first = adapter.poll("")
    # A gateway that crashed before saving the cursor polls from the old one: the same ids.
    again = adapter.poll("")
    assert [m.provider_id for m in again.messages] == [m.provider_id for m in first.messages]
    assert len(uids(mail, hotline)) == 3  # nothing deleted before a cursor covered it

    send_as(mail, person, plain(mail.address(person), mail.address(hotline), "message 3"))
    later = adapter.poll(first.cursor)
    assert [m.text for m in later.messages] == ["message 3"]
    # The three the stored cursor covered are gone from the provider; the fourth waits.
    assert len(uids(mail, hotline)) == 1
    assert adapter.poll(later.cursor).messages == []
    assert uids(mail, hotline) == []


def test_keep_mode_leaves_the_mailbox_as_it_was(mail: MailSystem) -> None:
    hotline, person = new_user(mail, "hotline"), new_user(mail, "person")
    send_as(mail, person, plain(mail.address(person), mail.address(hotline), "one"))
    adapter = _adapter(mail, hotline, after_ingest="keep")
    batch = adapter.poll("")
    assert adapter.poll(batch.cursor).messages == []
    assert len(uids(mail, hotline)) == 1


def test_a_changed_uidvalidity_starts_from_the_first_message(mail: MailSystem) -> None:
    hotline, person = new_user(mail, "hotline"), new_user(mail, "person")
    send_as(mail, person, plain(mail.address(person), mail.address(hotline), "one"))
    batch = _adapter(mail, hotline, after_ingest="keep").poll("1:999")
    assert [m.text for m in batch.messages] == ["one"]


def test_bounces_auto_replies_and_our_own_mail_are_passed_over(mail: MailSystem) -> None:
    hotline, person = new_user(mail, "hotline"), new_user(mail, "person")
    to = mail.address(hotline)
    send_as(mail, person, plain(mail.address(person), to, "away", Auto_Submitted="auto-replied"))
    send_as(mail, person, plain(mail.address(person), to, "list", Precedence="bulk"))
    send_as(mail, hotline, plain(to, to, "ourselves"))
    send_as(mail, person, plain(mail.address(person), to, "a person"))

    batch = _adapter(mail, hotline).poll("")

    assert [m.text for m in batch.messages] == ["a person"]
    assert batch.cursor.endswith(":4")  # the cursor moved past what was passed over


def test_a_reply_quoting_our_message_keeps_only_the_persons_words(mail: MailSystem) -> None:
    hotline, person = new_user(mail, "hotline"), new_user(mail, "person")
    text = "Thank you, we are safe now.\n\nOn Monday, Hotline wrote:\n> Your codename is: x\n> y\n"
    send_as(mail, person, plain(mail.address(person), mail.address(hotline), text))
    got = _adapter(mail, hotline).poll("").messages[0]
    assert got.text == "Thank you, we are safe now."
    assert got.language == "en"


def test_a_reply_arrives_in_the_persons_mailbox_and_nothing_is_logged(
    mail: MailSystem, caplog: pytest.LogCaptureFixture
) -> None:
    hotline, person = new_user(mail, "hotline"), new_user(mail, "person")
    adapter = _adapter(mail, hotline)
    caplog.set_level(logging.DEBUG)

    from haven.channels.adapters import Outbound

    message_id = adapter.send(Outbound(to=mail.address(person), text="Ваш кодовое имя: тест"))

    [got] = inbox(mail, person)
    assert got["Message-ID"] == message_id
    assert got["From"] == mail.address(hotline)
    assert got.get_content().strip() == "Ваш кодовое имя: тест"
    assert person not in caplog.text and "тест" not in caplog.text


def test_an_unknown_recipient_is_a_permanent_failure_without_the_address(
    mail: MailSystem,
) -> None:
    from haven.channels.adapters import Outbound

    hotline = new_user(mail, "hotline")
    with pytest.raises(PermanentSendError) as failure:
        _adapter(mail, hotline).send(Outbound(to="someone@elsewhere.example", text="x"))
    assert "elsewhere" not in str(failure.value)
    assert "550" in str(failure.value)


def test_health_reports_both_servers(mail: MailSystem) -> None:
    hotline = new_user(mail, "hotline")
    assert _adapter(mail, hotline).health().ok
    broken = _adapter(mail, hotline, imap_password="wrong")
    assert not broken.health().ok


def test_openpgp_both_ways_with_a_person_using_gnupg(mail: MailSystem) -> None:
    import pysequoia

    from haven.channels.adapters import Outbound
    from haven.testing.openpgp_person import gnupg_person

    hotline, person = new_user(mail, "hotline"), new_user(mail, "person")
    org = pysequoia.Tsk.generate(f"Hotline <{mail.address(hotline)}>")
    adapter = _adapter(mail, hotline, openpgp_key=str(org))
    with gnupg_person(mail.address(person)) as gpg:
        gpg.import_key(str(org.extract_certificate()).encode())
        outer = gpg.pgp_mime(to=mail.address(hotline), text="Секретно: мы в Казани")
        send_as(mail, person, outer)

        [got] = adapter.poll("").messages
        assert got.text == "Секретно: мы в Казани"
        address, key = split_handle(got.sender)
        assert address == mail.address(person) and key is not None
        assert adapter.display_handle(got.sender) == f"{address} (OpenPGP)"
        assert adapter.normalise_handle(got.sender) == address.casefold()

        adapter.send(Outbound(to=got.sender, text="Ответ: держитесь"))
        [reply] = inbox(mail, person)
        assert reply.get_content_type() == "multipart/encrypted"
        assert "держитесь" not in reply.as_string()
        armored = reply.get_payload()[1].get_payload(decode=True)
        clear = gpg.decrypt(armored)
        inner_reply = email.message_from_bytes(clear, policy=email.policy.default)
        assert inner_reply.get_content().strip() == "Ответ: держитесь"
        assert reply["Autocrypt"].startswith(f"addr={mail.address(hotline)}; keydata=")


def test_an_inline_encrypted_message_with_an_autocrypt_header(mail: MailSystem) -> None:
    import base64

    import pysequoia

    from haven.testing.openpgp_person import gnupg_person

    hotline, person = new_user(mail, "hotline"), new_user(mail, "person")
    org = pysequoia.Tsk.generate(f"Hotline <{mail.address(hotline)}>")
    with gnupg_person(mail.address(person)) as gpg:
        gpg.import_key(str(org.extract_certificate()).encode())
        armored = gpg.encrypt(b"Inline secret", mail.address(hotline)).decode()
        keydata = base64.b64encode(pysequoia.Cert.from_bytes(gpg.public_key()).__bytes__())
        msg = plain(
            mail.address(person),
            mail.address(hotline),
            armored,
            Autocrypt=f"addr={mail.address(person)}; keydata={keydata.decode()}",
        )
        send_as(mail, person, msg)
        [got] = _adapter(mail, hotline, openpgp_key=str(org)).poll("").messages
    assert got.text == "Inline secret"
    assert split_handle(got.sender)[1] is not None


def test_a_message_we_cannot_decrypt_still_arrives_saying_so(mail: MailSystem) -> None:
    import pysequoia

    hotline, person = new_user(mail, "hotline"), new_user(mail, "person")
    other = pysequoia.Tsk.generate("Someone else <x@haven.test>")
    armored = pysequoia.encrypt(b"hidden", [other.extract_certificate()]).decode()
    send_as(mail, person, plain(mail.address(person), mail.address(hotline), armored))
    [got] = _adapter(mail, hotline).poll("").messages
    assert "could not decrypt" in got.text and "hidden" not in got.text


# --- end to end: mailbox -> triage -> replies, through the gateway -------------------------


def _email_channel(mail: MailSystem, hotline: str, **secrets: str):  # type: ignore[no-untyped-def]
    from haven.channels.ingest import create_channel

    config = channel_config(mail, hotline)
    secret = {k: str(config.pop(k)) for k in ("imap_password", "smtp_password")}
    return create_channel(kind="email", name="email", config=config, secrets={**secret, **secrets})


def _texts(mail: MailSystem, user: str) -> list[str]:
    return [m.get_content().strip() for m in inbox(mail, user)]


@pytest.mark.django_db(transaction=True)
def test_a_person_emails_the_hotline_and_gets_a_codename_then_the_staff_reply(
    mail: MailSystem, intake_vault, personas, caplog: pytest.LogCaptureFixture
) -> None:
    from haven.channels import delivery
    from haven.channels.models import Reply, Sender
    from haven.intake import actions as intake_actions
    from haven.intake.models import HelpRequest
    from haven.testing.leakscan import Markers, assert_no_leaks

    caplog.set_level(logging.DEBUG)
    markers = Markers()
    hotline = new_user(mail, "hotline")
    person = new_user(mail, "marker")  # lower case: Dovecot folds user names
    markers.values.append(person)
    words = markers.new("words", cyrillic=True)
    channel = _email_channel(mail, hotline)
    send_as(mail, person, plain(mail.address(person), mail.address(hotline), f"Помогите {words}"))

    step = delivery.run_once()

    assert step.ingested == 1 and step.sent == 1
    request = HelpRequest.objects.get()
    sender = Sender.objects.get(channel=channel)
    assert sender.identity_id == request.identity_id and sender.language == "ru"
    [first] = _texts(mail, person)
    assert "кодовое имя" in first.lower() or "codename" in first.lower()
    assert "OpenPGP" in first  # the risk of the channel, in plain words
    intake_actions.reply(actor=personas.operator, request=request, text="Мы на связи, держитесь")
    assert delivery.run_once().sent == 1
    assert _texts(mail, person)[-1] == "Мы на связи, держитесь"
    staff = Reply.objects.get(purpose=Reply.Purpose.STAFF)
    assert staff.status == Reply.Status.SENT and staff.provider_id.startswith("<")
    assert uids(mail, hotline) == [] or delivery.run_once().ingested == 0
    assert_no_leaks(markers, log_text=caplog.text)


@pytest.mark.django_db(transaction=True)
def test_a_gateway_that_dies_mid_batch_loses_nothing_and_doubles_nothing(
    mail: MailSystem, intake_vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haven.channels import delivery, ingest
    from haven.channels.models import Channel, InboundMessage
    from haven.intake.models import Message

    hotline, person = new_user(mail, "hotline"), new_user(mail, "person")
    channel = _email_channel(mail, hotline)
    for n in range(4):
        send_as(mail, person, plain(mail.address(person), mail.address(hotline), f"part {n}"))
    real, calls = ingest.ingest, {"n": 0}

    def dies_on_the_third(channel, message):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit("the gateway was killed")
        return real(channel, message)

    monkeypatch.setattr(delivery, "ingest", dies_on_the_third)
    with pytest.raises(SystemExit):
        delivery.run_once()
    assert Channel.objects.get(pk=channel.pk).cursor == ""  # not saved: the batch repeats
    assert InboundMessage.objects.count() == 2
    monkeypatch.setattr(delivery, "ingest", real)

    step = delivery.run_once()

    assert (step.duplicates, step.ingested) == (2, 2)
    assert InboundMessage.objects.count() == 4
    assert Message.objects.filter(direction=Message.Direction.IN).count() == 4
    assert delivery.run_once().ingested == 0
    assert uids(mail, hotline) == []  # the next poll deleted what the saved cursor covered


@pytest.mark.django_db(transaction=True)
def test_an_encrypted_conversation_stays_encrypted_to_the_persons_key(
    mail: MailSystem, intake_vault, personas
) -> None:
    import pysequoia

    from haven.channels import delivery
    from haven.intake import actions as intake_actions
    from haven.intake.models import HelpRequest
    from haven.testing.openpgp_person import gnupg_person

    hotline, person = new_user(mail, "hotline"), new_user(mail, "person")
    org = pysequoia.Tsk.generate(f"Hotline <{mail.address(hotline)}>")
    _email_channel(mail, hotline, openpgp_key=str(org))
    with gnupg_person(mail.address(person)) as gpg:
        gpg.import_key(str(org.extract_certificate()).encode())
        outer = gpg.pgp_mime(to=mail.address(hotline), text="We are hiding in Kazan")
        send_as(mail, person, outer)
        delivery.run_once()
        request = HelpRequest.objects.get()
        assert request.language == "en"
        intake_actions.reply(actor=personas.operator, request=request, text="Stay where you are")
        delivery.run_once()

        replies = inbox(mail, person)
        assert len(replies) == 2
        clear = []
        for reply in replies:
            assert reply.get_content_type() == "multipart/encrypted"
            assert reply["Subject"] == "Re: your message"  # neutral, in the person's language
            decrypted = gpg.decrypt(reply.get_payload()[1].get_payload(decode=True))
            clear.append(
                email.message_from_bytes(decrypted, policy=email.policy.default)
                .get_content()
                .strip()
            )
    assert "codename" in clear[0].lower()
    assert clear[1] == "Stay where you are"

"""The Matrix adapter against a real Synapse homeserver on loopback: the bot joins a direct room,
a person's messages arrive with their event ids, the sync token neither loses nor repeats,
group rooms are left, replies reach the person (in a new direct room if they left)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from django.core.management import call_command

from haven.channels.adapters import Inbound, Outbound
from haven.channels.matrix import MatrixAdapter, split_handle
from haven.testing.synapse import (
    EncryptedMatrixPerson,
    Homeserver,
    MatrixAccount,
    MatrixPerson,
    homeserver,
)


@pytest.fixture(scope="module")
def hs() -> Iterator[Homeserver]:
    with homeserver() as server:
        yield server


_counter = iter(range(10_000))


def _account(hs: Homeserver, prefix: str) -> MatrixAccount:
    return hs.register(f"{prefix}{next(_counter)}")


def _bot(hs: Homeserver, account: MatrixAccount) -> MatrixAdapter:
    return MatrixAdapter(
        {
            "homeserver": hs.url,
            "user_id": account.user_id,
            "device_id": account.device_id,
            "access_token": account.access_token,
        }
    )


def _poll_until(adapter: MatrixAdapter, cursor: str, count: int) -> tuple[list[Inbound], str]:
    """Sync until `count` messages came (the first sync only joins the invited room)."""
    got: list[Inbound] = []
    for _ in range(5):
        batch = adapter.poll(cursor)
        got += batch.messages
        cursor = batch.cursor
        if len(got) >= count:
            break
    return got, cursor


def test_a_direct_message_arrives_and_the_token_neither_loses_nor_repeats(
    hs: Homeserver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot_account, person_account = _account(hs, "bot"), _account(hs, "person")
    bot, person = _bot(hs, bot_account), MatrixPerson(hs, person_account)
    room = person.open_direct_room(bot_account.user_id)
    first = person.say(room, "Нас ищут, помогите")

    got, cursor = _poll_until(bot, "", 1)

    assert [(m.provider_id, m.text, m.language) for m in got] == [
        (first, "Нас ищут, помогите", "ru")
    ]
    assert split_handle(got[0].sender) == (person_account.user_id, room)
    assert bot.normalise_handle(got[0].sender) == person_account.user_id.casefold()

    second = person.say(room, "second")
    # A gateway that crashed before saving the token syncs from the old one: the same event.
    again = bot.poll(cursor)
    repeated = bot.poll(cursor)
    assert [m.provider_id for m in again.messages] == [second]
    assert [m.provider_id for m in repeated.messages] == [second]
    assert bot.poll(again.cursor).messages == []
    assert person_account.user_id not in caplog.text
    assert "помогите" not in caplog.text and room not in caplog.text


def test_a_reply_reaches_the_person_and_a_new_room_if_they_left(hs: Homeserver) -> None:
    bot_account, person_account = _account(hs, "bot"), _account(hs, "person")
    bot, person = _bot(hs, bot_account), MatrixPerson(hs, person_account)
    room = person.open_direct_room(bot_account.user_id)
    person.say(room, "hello")
    [inbound], _ = _poll_until(bot, "", 1)

    event_id = bot.send(Outbound(to=inbound.sender, text="Ваше кодовое имя: тест"))

    assert event_id.startswith("$")
    assert (room, "Ваше кодовое имя: тест") in person.messages_from(bot_account.user_id)
    person.leave(room)
    bot.send(Outbound(to=inbound.sender, text="after you left"))
    rooms = {r for r, text in person.messages_from(bot_account.user_id) if text == "after you left"}
    assert rooms and room not in rooms


def test_a_group_room_is_left_without_taking_its_messages(hs: Homeserver) -> None:
    bot_account, person_account, other = (
        _account(hs, "bot"),
        _account(hs, "person"),
        _account(hs, "other"),
    )
    bot, person = _bot(hs, bot_account), MatrixPerson(hs, person_account)
    room = person.open_group_room(bot_account.user_id, other.user_id)
    MatrixPerson(hs, other).join(room)
    person.say(room, "who is here?")

    got, _ = _poll_until(bot, "", 1)

    assert got == []


def test_health_knows_a_good_token_from_a_bad_one(hs: Homeserver) -> None:
    bot_account = _account(hs, "bot")
    assert _bot(hs, bot_account).health().ok
    bad = MatrixAdapter({"homeserver": hs.url, "access_token": "nope"})
    assert not bad.health().ok


# --- end to end: a direct room -> triage -> replies, through the gateway --------------------


def _matrix_channel(hs: Homeserver, bot: MatrixAccount):  # type: ignore[no-untyped-def]
    from haven.channels.ingest import create_channel

    return create_channel(
        kind="matrix",
        name="matrix",
        config={"homeserver": hs.url, "user_id": bot.user_id, "device_id": bot.device_id},
        secrets={"access_token": bot.access_token},
    )


def _run_until_ingested(count: int) -> None:
    from haven.channels import delivery
    from haven.channels.models import InboundMessage

    for _ in range(5):  # the first sync only joins the room it was invited to
        delivery.run_once()
        if InboundMessage.objects.count() >= count:
            return


@pytest.mark.django_db(transaction=True)
def test_a_person_writes_to_the_bot_and_gets_a_codename_then_the_staff_reply(
    hs: Homeserver, intake_vault, personas, caplog: pytest.LogCaptureFixture
) -> None:
    from haven.channels import delivery
    from haven.channels.models import Reply
    from haven.intake import actions as intake_actions
    from haven.intake.models import HelpRequest
    from haven.testing.leakscan import Markers, assert_no_leaks

    caplog.set_level(logging.DEBUG)
    bot_account, person_account = _account(hs, "bot"), _account(hs, "marker")
    markers = Markers(values=[person_account.user_id])
    words = markers.new("words", cyrillic=True)
    _matrix_channel(hs, bot_account)
    person = MatrixPerson(hs, person_account)
    room = person.open_direct_room(bot_account.user_id)
    person.say(room, f"Помогите, {words}")

    _run_until_ingested(1)

    request = HelpRequest.objects.get()
    first = Reply.objects.get(purpose=Reply.Purpose.FIRST)
    assert first.status == Reply.Status.SENT and first.provider_id.startswith("$")
    [(where, text)] = person.messages_from(bot_account.user_id)
    assert where == room and "кодовое имя" in text.lower()
    intake_actions.reply(actor=personas.operator, request=request, text="Мы рядом")
    assert delivery.run_once().sent == 1
    assert (room, "Мы рядом") in person.messages_from(bot_account.user_id)
    assert Reply.objects.get(purpose=Reply.Purpose.STAFF).status == Reply.Status.SENT
    assert_no_leaks(markers, log_text=caplog.text)


@pytest.mark.django_db(transaction=True)
def test_a_gateway_that_dies_mid_sync_loses_nothing_and_doubles_nothing(
    hs: Homeserver, intake_vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haven.channels import delivery, ingest
    from haven.channels.models import Channel, InboundMessage

    bot_account, person_account = _account(hs, "bot"), _account(hs, "person")
    channel = _matrix_channel(hs, bot_account)
    person = MatrixPerson(hs, person_account)
    room = person.open_direct_room(bot_account.user_id)
    person.say(room, "one")
    _run_until_ingested(1)
    cursor = Channel.objects.get(pk=channel.pk).cursor
    for text in ("two", "three", "four"):
        person.say(room, text)
    real, calls = ingest.ingest, {"n": 0}

    def dies_on_the_second(channel, message):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("the gateway was killed")
        return real(channel, message)

    monkeypatch.setattr(delivery, "ingest", dies_on_the_second)
    with pytest.raises(SystemExit):
        delivery.run_once()
    assert Channel.objects.get(pk=channel.pk).cursor == cursor
    assert InboundMessage.objects.count() == 2
    monkeypatch.setattr(delivery, "ingest", real)

    step = delivery.run_once()

    assert (step.duplicates, step.ingested) == (1, 2)
    assert InboundMessage.objects.count() == 4
    assert delivery.run_once().ingested == 0


# --- end-to-end encryption ------------------------------------------------------------------


def _encrypted_pair(hs: Homeserver) -> tuple[MatrixAccount, MatrixAccount, EncryptedMatrixPerson]:
    bot_account, person_account = _account(hs, "bot"), _account(hs, "person")
    return bot_account, person_account, EncryptedMatrixPerson(hs, person_account)


def test_an_encrypted_direct_message_is_decrypted_and_the_reply_is_encrypted(
    hs: Homeserver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot_account, person_account, person = _encrypted_pair(hs)
    bot = _bot(hs, bot_account)
    room = person.open_direct_room(bot_account.user_id)
    # The bot joins and publishes its device keys before the person writes.
    got, cursor = _poll_until(bot, "", 0)
    got2, cursor = _poll_until(bot, cursor, 0)
    first = person.say(room, "Нас ищут, помогите")
    assert hs.raw_event(person_account, room, first)["type"] == "m.room.encrypted"

    got, cursor = _poll_until(bot, cursor, 1)

    assert [(m.provider_id, m.text) for m in got] == [(first, "Нас ищут, помогите")]
    assert split_handle(got[0].sender) == (person_account.user_id, room)
    reply = bot.send(Outbound(to=got[0].sender, text="Ваше кодовое имя: тест"))
    assert hs.raw_event(person_account, room, reply)["type"] == "m.room.encrypted"
    [received] = person.received_from(bot_account.user_id)
    assert (received.event_id, received.text, received.decrypted) == (
        reply,
        "Ваше кодовое имя: тест",
        True,
    )
    assert "помогите" not in caplog.text and person_account.user_id not in caplog.text
    person.close()


def _bodies(operator) -> list[str]:  # type: ignore[no-untyped-def]
    """Every message from the person, as staff read them (through the intake vault)."""
    from haven.intake.models import HelpRequest, Message
    from haven.testing.personas import keyring_for

    request = HelpRequest.objects.get()
    opened = keyring_for(operator).open(request.vault)
    return [
        opened.unseal(m, "body")
        for m in request.messages.filter(direction=Message.Direction.IN).order_by("created_at")
    ]


def _joined_and_keys_published(channel_id) -> None:  # type: ignore[no-untyped-def]
    """The first gateway steps: the bot uploads its keys (a step of its own), joins the room."""
    from haven.channels import delivery
    from haven.channels.models import Channel

    for _ in range(3):
        delivery.run_once()
    assert Channel.objects.get(pk=channel_id).sealed_state


@pytest.mark.django_db(transaction=True)
def test_an_encrypted_conversation_goes_through_the_gateway_and_survives_a_restart(
    hs: Homeserver, intake_vault, personas, caplog: pytest.LogCaptureFixture
) -> None:
    from haven.channels import delivery
    from haven.channels.ingest import open_state
    from haven.channels.models import Channel, InboundMessage, Reply
    from haven.intake import actions as intake_actions
    from haven.intake.models import HelpRequest
    from haven.testing.leakscan import Markers, assert_no_leaks

    caplog.set_level(logging.DEBUG)
    bot_account, person_account = _account(hs, "bot"), _account(hs, "marker")
    person = EncryptedMatrixPerson(hs, person_account)
    device_keys = list(person.client.olm.account.identity_keys.values())
    markers = Markers(values=[person_account.user_id, *device_keys])
    words = markers.new("words", cyrillic=True)
    channel = _matrix_channel(hs, bot_account)
    room = person.open_direct_room(bot_account.user_id)
    _joined_and_keys_published(channel.pk)

    first = person.say(room, f"Помогите, {words}")
    assert hs.raw_event(person_account, room, first)["type"] == "m.room.encrypted"
    _run_until_ingested(1)

    assert _bodies(personas.operator) == [f"Помогите, {words}"]
    codename_reply = Reply.objects.get(purpose=Reply.Purpose.FIRST)
    assert codename_reply.status == Reply.Status.SENT
    [got] = person.received_from(bot_account.user_id)
    assert got.decrypted and "кодовое имя" in got.text.lower()
    assert hs.raw_event(person_account, room, got.event_id)["type"] == "m.room.encrypted"

    intake_actions.reply(
        actor=personas.operator, request=HelpRequest.objects.get(), text="Мы рядом"
    )
    assert delivery.run_once().sent == 1
    staff = [r for r in person.received_from(bot_account.user_id) if r.text == "Мы рядом"]
    assert [r.decrypted for r in staff] == [True]
    assert hs.raw_event(person_account, room, staff[0].event_id)["type"] == "m.room.encrypted"

    # A restart: every run_once builds its adapter afresh from the sealed state; a gateway
    # thread's kept adapter is dropped too. The next message still decrypts, once.
    cursor = Channel.objects.get(pk=channel.pk).cursor
    second = person.say(room, "второе сообщение")
    fresh = delivery.adapter_for(Channel.objects.get(pk=channel.pk))
    assert fresh.state is None
    delivery.poll_channel(Channel.objects.get(pk=channel.pk), fresh)
    assert InboundMessage.objects.count() == 2
    assert _bodies(personas.operator)[-1] == "второе сообщение"
    assert Channel.objects.get(pk=channel.pk).cursor != cursor
    # The same sync again (a gateway that died before saving): nothing twice.
    Channel.objects.filter(pk=channel.pk).update(cursor=cursor)
    step = delivery.run_once()
    assert (step.ingested, InboundMessage.objects.count()) == (0, 2)
    assert second

    # At rest: the state is sealed. Opened, it does hold the person's id and device keys
    # (so the scan below would find them if the sealing went).
    row = Channel.objects.get(pk=channel.pk)
    opened = open_state(row, bytes(row.sealed_state))
    assert person_account.user_id.encode() in opened and device_keys[0].encode() in opened
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {Channel._meta.db_table} WHERE id = %s",  # noqa: S608 (our table)
            [Channel._meta.pk.get_db_prep_value(channel.pk, connection)],
        )
        raw = b"".join(
            bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
            for v in cursor.fetchone()
        )
    assert len(raw) > 1000  # the sealed state is in it
    for value in (person_account.user_id, person_account.user_id.split(":")[0], *device_keys):
        assert value.encode() not in raw
    assert_no_leaks(markers, log_text=caplog.text)
    person.close()


@pytest.mark.django_db(transaction=True)
def test_a_message_the_bot_holds_no_key_for_arrives_saying_so(
    hs: Homeserver, intake_vault, personas
) -> None:
    from haven.channels.matrix import UNDECRYPTABLE

    bot_account, person_account = _account(hs, "bot"), _account(hs, "person")
    person = EncryptedMatrixPerson(hs, person_account)
    _matrix_channel(hs, bot_account)
    room = person.open_direct_room(bot_account.user_id)
    # Written before the bot ever ran: the person's client knew no device of the bot's.
    person.say(room, "before the bot had keys")

    _run_until_ingested(1)

    assert _bodies(personas.operator) == [UNDECRYPTABLE]
    person.close()


@pytest.mark.django_db(transaction=True)
def test_an_encrypted_photo_is_decrypted_and_inspected_like_a_portal_upload(
    hs: Homeserver, intake_vault, personas
) -> None:
    import io

    from PIL import Image

    from haven.intake.models import MessageAttachment
    from haven.testing.personas import keyring_for

    bot_account, person_account = _account(hs, "bot"), _account(hs, "person")
    person = EncryptedMatrixPerson(hs, person_account)
    channel = _matrix_channel(hs, bot_account)
    room = person.open_direct_room(bot_account.user_id)
    _joined_and_keys_published(channel.pk)
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buf, "JPEG")

    person.send_file(room, "photo.jpg", buf.getvalue(), "image/jpeg")
    _run_until_ingested(1)

    [attachment] = MessageAttachment.objects.all()
    opened = keyring_for(personas.operator).open(attachment.vault)
    data = opened.unseal(attachment, "content")
    assert Image.open(io.BytesIO(data)).size == (8, 8)
    person.close()


@pytest.mark.django_db(transaction=True)
def test_a_lost_state_is_made_again_says_what_to_do_and_a_new_device_reads_again(
    hs: Homeserver, intake_vault, personas
) -> None:
    from haven.channels import delivery
    from haven.channels.ingest import update_channel
    from haven.channels.matrix import KEYS_LOST, UNDECRYPTABLE
    from haven.channels.models import Channel

    bot_account, person_account = _account(hs, "bot"), _account(hs, "person")
    person = EncryptedMatrixPerson(hs, person_account)
    channel = _matrix_channel(hs, bot_account)
    room = person.open_direct_room(bot_account.user_id)
    _joined_and_keys_published(channel.pk)
    person.say(room, "first")
    _run_until_ingested(1)

    Channel.objects.filter(pk=channel.pk).update(sealed_state=b"not a sealed state")
    for _ in range(3):
        delivery.run_once()  # no crash loop: each step runs, the keys are made again
    assert Channel.objects.get(pk=channel.pk).last_error == KEYS_LOST
    listed = io.StringIO()
    call_command("channels", "list", stdout=listed)
    assert "end-to-end keys lost" in listed.getvalue()
    person.say(room, "after the keys were lost")
    _run_until_ingested(2)
    # Not silence: the message is there, saying that it could not be read.
    assert _bodies(personas.operator)[-1] == UNDECRYPTABLE

    # What the error says to do: the bot logged in again, on a new device.
    again = hs.login(bot_account)
    update_channel(
        channel=Channel.objects.get(pk=channel.pk),
        config={"device_id": again.device_id},
        secrets={"access_token": again.access_token},
    )
    for _ in range(2):
        delivery.run_once()
    person.say(room, "to the new device")
    _run_until_ingested(3)

    assert _bodies(personas.operator)[-1] == "to the new device"
    person.close()


@pytest.mark.django_db(transaction=True)
def test_the_gateways_poll_and_send_threads_share_the_keys_without_losing_any(
    hs: Homeserver, intake_vault, personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`haven gateway` as it runs: a polling and a sending thread per channel, each keeping its
    adapter, taking turns on the one sealed state."""
    import threading

    from haven.channels import delivery
    from haven.intake import actions as intake_actions
    from haven.intake.models import HelpRequest

    bot_account, person_account = _account(hs, "bot"), _account(hs, "person")
    person = EncryptedMatrixPerson(hs, person_account)
    channel = _matrix_channel(hs, bot_account)
    room = person.open_direct_room(bot_account.user_id)
    _joined_and_keys_published(channel.pk)
    sent: list[threading.Event] = [threading.Event(), threading.Event()]
    real_send = delivery.send_reply

    def send_and_tell(reply, **kwargs):  # type: ignore[no-untyped-def]
        went = real_send(reply, **kwargs)
        if went:
            next(e for e in sent if not e.is_set()).set()
        return went

    monkeypatch.setattr(delivery, "send_reply", send_and_tell)
    stop = threading.Event()
    gateway = threading.Thread(target=delivery.run_forever, args=(stop,), kwargs={"interval": 0.05})
    gateway.start()
    try:
        person.say(room, "Нужна помощь")
        assert sent[0].wait(60)  # the codename, from the send thread
        intake_actions.reply(
            actor=personas.operator, request=HelpRequest.objects.get(), text="Ждём"
        )
        assert sent[1].wait(60)
        person.say(room, "спасибо")
        received = person.received_from(bot_account.user_id)
    finally:
        stop.set()
        gateway.join(60)
    assert not gateway.is_alive()
    assert [r.decrypted for r in received] == [True, True]
    assert received[1].text == "Ждём"
    # The poll thread kept decrypting after the send thread had used (and saved) the keys.
    _run_until_ingested(2)
    assert _bodies(personas.operator) == ["Нужна помощь", "спасибо"]
    person.close()

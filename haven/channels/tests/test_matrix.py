"""The Matrix adapter against a real Synapse homeserver on loopback: the bot joins a direct room,
a person's messages arrive with their event ids, the sync token neither loses nor repeats,
group rooms are left, replies reach the person (in a new direct room if they left)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

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

"""SMS through a GSM modem and gammu-smsd's files backend: a real gammu-smsd with gammu's dummy
phone in a temporary folder (haven/testing/gammu.py) brings an SMS into the inbox, the gateway
polls it into triage, the first reply goes out through the outbox and the daemon moves it to
sent/; the spool's directory layout alone covers a crash before the cursor is stored, a reply
that lands in error/, a half-written file, and a known sender's «Помогите!»."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from haven.channels import delivery
from haven.channels.adapters import Outbound, PermanentSendError
from haven.channels.gammu import GammuSmsdAdapter
from haven.channels.ingest import create_channel, register_known_handle
from haven.channels.models import Channel, InboundMessage, Reply
from haven.intake.models import HelpRequest
from haven.safety.models import SafetyIncident
from haven.testing import gammu
from haven.testing.personas import keyring_for

PHONE = "+79001234567"


@pytest.fixture(scope="module")
def smsd() -> Iterator[gammu.GammuSmsd]:
    if not gammu.available():
        pytest.skip("gammu-smsd is not installed (apt-get install gammu-smsd gammu)")
    with gammu.gammu_smsd() as daemon:
        yield daemon


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    for folder in ("inbox", "outbox", "sent", "error"):
        (tmp_path / "spool" / folder).mkdir(parents=True)
    return tmp_path / "spool"


def _channel(spool: Path, **config: object) -> Channel:
    return create_channel(
        kind="gammu", name="modem", config={"spool": str(spool), **config}, secrets={}
    )


def _drop(spool: Path, name: str, text: str, *, age: float = 5.0) -> Path:
    """A file as gammu-smsd writes it (InboxFormat = unicode), `age` seconds old."""
    path = spool / "inbox" / name
    path.write_bytes(b"\xfe\xff" + text.encode("utf-16-be") + b"\x00" * 8)
    then = time.time() - age
    os.utime(path, (then, then))
    return path


@pytest.mark.django_db
def test_an_sms_through_a_real_gammu_smsd_becomes_a_request_and_the_codename_goes_back(
    intake_vault, smsd, personas
):
    channel = _channel(smsd.spool, settle_seconds=0)
    smsd.receive(PHONE, "Меня ищут, нужна помощь с отъездом")
    smsd.wait_for(smsd.spool / "inbox", pattern="IN*.txt")
    time.sleep(0.2)  # gammu writes the file in place; a real channel waits SETTLE_SECONDS
    step = delivery.run_once()
    assert step.ingested == 1 and step.sent == 1
    request = HelpRequest.objects.get()
    opened = keyring_for(personas.operator).open(request.vault)
    assert opened.unseal(request.messages.get(), "body") == "Меня ищут, нужна помощь с отъездом"
    # The daemon transmits the reply (to the dummy phone) and moves it to sent/.
    (sent,) = smsd.wait_for(smsd.spool / "sent", pattern="OUT*")
    assert f"_{PHONE}_" in sent.name
    text = sent.read_bytes()[2:].decode("utf-16-be")
    assert "SMS" in text and request.identity_id  # the first reply with its risk text
    reply = Reply.objects.get()
    assert reply.status == Reply.Status.SENT and reply.provider_id in sent.name
    assert PHONE not in reply.provider_id
    # The next poll deletes what is committed: nothing of the conversation stays in the spool.
    delivery.run_once()
    assert not [p for p in smsd.spool.rglob("*") if p.is_file()]
    assert Channel.objects.get(pk=channel.pk).last_ok_at


@pytest.mark.django_db
def test_a_crash_before_the_cursor_is_stored_repeats_the_batch_without_a_duplicate(
    intake_vault, spool
):
    channel = _channel(spool)
    _drop(spool, f"IN20261203_120000_00_{PHONE}_00.txt", "первое")
    assert delivery.run_once().ingested == 1
    # As if the gateway died after ingesting but before storing its cursor.
    Channel.objects.filter(pk=channel.pk).update(cursor="")
    step = delivery.run_once()
    assert step.duplicates == 1 and step.ingested == 0
    assert InboundMessage.objects.count() == 1
    delivery.run_once()
    assert not list((spool / "inbox").iterdir())
    # gammu reuses a file name once it is gone: a new text under it is a new message.
    _drop(spool, f"IN20261203_120000_00_{PHONE}_00.txt", "второе")
    assert delivery.run_once().ingested == 1
    assert HelpRequest.objects.get().messages.count() == 2


@pytest.mark.django_db
def test_the_parts_of_a_long_sms_are_one_message_and_a_half_written_one_waits(intake_vault, spool):
    _channel(spool)
    _drop(spool, f"IN20261203_120100_00_{PHONE}_00.txt", "Помогите выехать ")
    _drop(spool, f"IN20261203_120100_00_{PHONE}_01.txt", "из Грозного")
    _drop(spool, "IN20261203_120200_00_+79007654321_00.txt", "пишу", age=0)
    assert delivery.run_once().ingested == 1
    request = HelpRequest.objects.get()
    assert request.urgency == HelpRequest.Urgency.URGENT  # «Помогите» from an unknown number
    names = [p.name for p in (spool / "inbox").iterdir()]
    assert "IN20261203_120200_00_+79007654321_00.txt" in names


@pytest.mark.django_db
def test_a_reply_that_lands_in_error_is_failed_and_a_bad_recipient_fails_at_once(
    intake_vault, spool
):
    _channel(spool)
    _drop(spool, f"IN20261203_120300_00_{PHONE}_00.txt", "нужна помощь")
    assert delivery.run_once().sent == 1
    (queued,) = (spool / "outbox").iterdir()
    assert queued.name.startswith("OUTA") and queued.read_bytes()[:2] == b"\xfe\xff"
    queued.rename(spool / "error" / queued.name)  # what gammu-smsd does when sending fails
    delivery.run_once()
    reply = Reply.objects.get()
    assert reply.status == Reply.Status.FAILED
    delivery.run_once()
    assert not list((spool / "error").iterdir())
    adapter = GammuSmsdAdapter({"spool": str(spool)})
    with pytest.raises(PermanentSendError):
        adapter.send(Outbound(to="MTS_Info", text="x"))


@pytest.mark.django_db
def test_a_known_sender_writing_pomogite_through_the_modem_raises_the_panic_escalation(
    intake_vault, spool, personas
):
    from haven.cases import actions as case_actions

    _channel(spool)
    ring = keyring_for(personas.caseworker)
    case = case_actions.create_case(keyring=ring, risk="high")
    # Registered as an SMS number: the same person whichever SMS channel brings it.
    register_known_handle(
        keyring=ring,
        case=case,
        kind="sms",
        handle="8 900 123 45 67",
        panic_words=[],
        duress_words=["погода"],
    )
    _drop(spool, f"IN20261203_120400_00_{PHONE}_00.txt", "Помогите!")
    delivery.run_once()
    incident = SafetyIncident.objects.get()
    assert incident.kind == SafetyIncident.Kind.PANIC and incident.case_id == case.pk
    assert InboundMessage.objects.get().outcome == InboundMessage.Outcome.PANIC


@pytest.mark.django_db
def test_health_says_when_the_spool_is_missing_or_replies_are_stuck(spool, tmp_path):
    assert GammuSmsdAdapter({"spool": str(spool)}).health().ok
    assert not GammuSmsdAdapter({"spool": str(tmp_path / "none")}).health().ok
    adapter = GammuSmsdAdapter({"spool": str(spool)})
    adapter.send(Outbound(to=PHONE, text="x"))
    (queued,) = (spool / "outbox").iterdir()
    os.utime(queued, (time.time() - 3600, time.time() - 3600))
    health = adapter.health()
    assert not health.ok and "gammu-smsd" in health.detail


@pytest.mark.django_db
def test_haven_channels_adds_a_modem_checks_its_health_and_queues_a_test_sms(intake_vault, spool):
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("channels", "add", "gammu", "modem", "--set", f"spool={spool}", stdout=out)
    call_command("channels", "health", "modem", stdout=out)
    assert "spool ready" in out.getvalue()
    call_command("channels", "test", "modem", PHONE, "--now", stdout=out)
    (queued,) = (spool / "outbox").iterdir()
    assert f"_{PHONE}_" in queued.name and PHONE not in out.getvalue()
    Channel.objects.filter(name="modem").update(config={"spool": str(spool / "gone")})
    with pytest.raises(CommandError):
        call_command("channels", "health", "modem", stdout=out)


@pytest.mark.django_db(transaction=True)
def test_no_handle_or_text_of_a_modem_sms_is_in_the_database_the_logs_or_the_spool(
    intake_vault, spool, personas, caplog
):
    import secrets

    from haven.intake import actions as intake_actions
    from haven.testing.leakscan import Markers, assert_no_leaks

    markers = Markers()
    digits = "".join(str(secrets.randbelow(10)) for _ in range(10))
    markers.values.append(digits)
    phone = "+7" + digits
    _channel(spool)
    _drop(spool, f"IN20261203_120500_00_{phone}_00.txt", markers.new("modem", cyrillic=True))
    delivery.run_once()
    request = HelpRequest.objects.get()
    intake_actions.reply(actor=personas.operator, request=request, text=markers.new("reply"))
    assert delivery.run_once().sent == 1
    # The markers did travel: the reply is in the outbox for gammu-smsd, under the number.
    assert any(phone in p.name for p in (spool / "outbox").iterdir())
    for queued in (spool / "outbox").iterdir():
        queued.rename(spool / "sent" / queued.name)  # gammu-smsd transmitted them
    delivery.run_once()
    assert not [p for p in spool.rglob("*") if p.is_file()]
    assert_no_leaks(markers, log_text=caplog.text)

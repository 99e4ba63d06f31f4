from __future__ import annotations

from collections.abc import Iterator

import pytest

from haven.intake import actions as intake_actions
from haven.safety.channels import OUTBOX
from haven.testing.channel_servers import SignalCliServer, SmsGatewayServer, TelegramBotServer
from haven.testing.mailserver import MailSystem, mail_system
from haven.testing.personas import keyring_for
from haven.vault.actions import grant_vault

SMS_SECRET = "sms-signing-key"


@pytest.fixture(scope="session")
def sms_server() -> Iterator[SmsGatewayServer]:
    server = SmsGatewayServer().start()
    yield server  # type: ignore[misc]
    server.stop()


@pytest.fixture(scope="session")
def telegram_server() -> Iterator[TelegramBotServer]:
    server = TelegramBotServer().start()
    yield server  # type: ignore[misc]
    server.stop()


@pytest.fixture(scope="session")
def signal_server() -> Iterator[SignalCliServer]:
    server = SignalCliServer().start()
    yield server  # type: ignore[misc]
    server.stop()


@pytest.fixture(scope="module")
def mail() -> Iterator[MailSystem]:
    """A real Dovecot behind aiosmtpd on loopback (haven/testing/mailserver.py), one per test
    module: every test makes mailboxes of its own (`haven.testing.mailbox.new_user`), so none
    sees another's mail."""
    with mail_system() as system:
        yield system


@pytest.fixture(autouse=True)
def _fresh_servers(request):  # type: ignore[no-untyped-def]
    OUTBOX.clear()
    for name in ("sms_server", "telegram_server", "signal_server"):
        if name in request.fixturenames:
            server = request.getfixturevalue(name)
            server.sent.clear()
            server._fail.clear()
    yield
    OUTBOX.clear()


@pytest.fixture(autouse=True)
def _own_admission_budget(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.HAVEN_ADMISSION_DIR = str(tmp_path / "admission")


@pytest.fixture
def intake_vault(personas):  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.coordinator)
    vault = intake_actions.set_up_intake_vault(actor=personas.coordinator, keyring=ring)
    grant_vault(keyring=ring, vault=vault, user=personas.operator)
    return vault


@pytest.fixture
def sms_channel(intake_vault, sms_server):  # type: ignore[no-untyped-def]
    from haven.channels.ingest import create_channel

    return create_channel(
        kind="sms",
        name="sms",
        config={"base_url": sms_server.url, "login": "haven"},
        secrets={"password": "gateway-pass", "signing_key": SMS_SECRET},
    )


@pytest.fixture
def telegram_channel(intake_vault, telegram_server):  # type: ignore[no-untyped-def]
    from haven.channels.ingest import create_channel

    telegram_server.updates.clear()
    return create_channel(
        kind="telegram",
        name="telegram",
        config={"base_url": telegram_server.url},
        secrets={"token": telegram_server.token, "webhook_secret": "tg-secret"},
    )


@pytest.fixture
def signal_channel(intake_vault, signal_server):  # type: ignore[no-untyped-def]
    from haven.channels.ingest import create_channel

    signal_server.envelopes.clear()
    return create_channel(
        kind="signal",
        name="signal",
        config={"base_url": signal_server.url, "account": signal_server.account},
        secrets={},
    )

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from haven.channels.models import Channel


@pytest.mark.django_db
def test_channels_add_list_health_and_test_against_the_stand_ins(
    intake_vault, signal_server, telegram_server
):
    out = io.StringIO()
    call_command(
        "channels",
        "add",
        "signal",
        "sig",
        "--set",
        f"base_url={signal_server.url}",
        "--set",
        f"account={signal_server.account}",
        stdout=out,
    )
    call_command(
        "channels",
        "add",
        "telegram",
        "tg",
        "--set",
        f"base_url={telegram_server.url}",
        "--secret",
        f"token={telegram_server.token}",
        stdout=out,
    )
    assert telegram_server.token not in str(Channel.objects.get(name="tg").config)
    call_command("channels", "list", stdout=out)
    assert "sig" in out.getvalue() and "signal" in out.getvalue()
    call_command("channels", "health", stdout=out)
    assert "bot @haven_test_bot" in out.getvalue()
    call_command("channels", "test", "sig", "+79001112233", "--now", stdout=out)
    assert signal_server.sent[-1]["to"] == ["+79001112233"]
    assert "+79001112233" not in out.getvalue()
    call_command("gateway", "--once", stdout=out)
    Channel.objects.filter(name="tg").update(config={"base_url": "http://127.0.0.1:9"})
    with pytest.raises(CommandError):
        call_command("channels", "health", "tg", stdout=out)


@pytest.mark.django_db
def test_channels_set_changes_some_settings_and_secrets_and_keeps_the_rest() -> None:
    from haven.channels.ingest import adapter_config

    out = io.StringIO()
    call_command(
        "channels",
        "add",
        "matrix",
        "mx",
        "--set",
        "homeserver=http://127.0.0.1:9",
        "--set",
        "device_id=OLD",
        "--secret",
        "access_token=old-token",
        stdout=out,
    )
    call_command(
        "channels",
        "set",
        "mx",
        "--set",
        "device_id=NEW",
        "--secret",
        "access_token=new-token",
        stdout=out,
    )

    channel = Channel.objects.get(name="mx")
    assert adapter_config(channel) == {
        "homeserver": "http://127.0.0.1:9",
        "device_id": "NEW",
        "access_token": "new-token",
    }
    assert "new-token" not in out.getvalue() and "new-token" not in str(channel.config)
    with pytest.raises(CommandError):
        call_command("channels", "set", "mx", "--set", "colour=red", stdout=out)

"""A channel's problems are stored as messages and shown in each reader's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from haven.channels import problems
from haven.channels.adapters import PermanentSendError, RetryableSendError
from haven.channels.models import Channel


def test_a_problem_is_stored_once_and_read_in_each_language():
    stored = PermanentSendError(
        "the SMTP server refused the recipient (%(code)s)", code=550
    ).problem
    with translation.override("ru"):
        assert problems.describe(stored) == "SMTP-сервер отклонил получателя (550)"
    with translation.override("en"):
        assert problems.describe(stored) == "the SMTP server refused the recipient (550)"
    assert problems.english(stored) == str(
        PermanentSendError("the SMTP server refused the recipient (%(code)s)", code=550)
    )


def test_a_nested_problem_is_translated_in_its_place():
    inner = RetryableSendError("Telegram poll failed (%(error)s)", error="TelegramNetworkError")
    stored = problems.record("polling failed: %(reason)s", reason=inner.problem)
    with translation.override("ru"):
        assert problems.describe(stored) == (
            "не удалось получить сообщения: "
            "не удалось получить обновления Telegram (TelegramNetworkError)"
        )


def test_long_values_are_cut_and_the_record_stays_readable():
    stored = problems.record("IMAP error (%(error)s)", error="E" * 500)
    assert len(stored) <= problems.COLUMN_CHARS
    with translation.override("en"):
        shown = problems.describe(stored)
    assert shown.startswith("IMAP error (EEE") and shown.endswith("…)")


def test_a_line_stored_before_problems_were_messages_is_shown_as_it_was():
    assert problems.describe("poll failed: Telegram failed (TimeoutError)") == (
        "poll failed: Telegram failed (TimeoutError)"
    )
    assert problems.describe("[not json") == "[not json"
    assert problems.describe("") == ""


@pytest.mark.django_db
def test_the_channels_page_says_what_went_wrong_in_russian(client_for, personas):
    Channel.objects.create(
        kind="telegram",
        name="bot",
        last_error=problems.record(
            "polling failed: %(reason)s",
            reason=problems.record(
                "Telegram poll failed (%(error)s)", error="TelegramNetworkError"
            ),
        ),
        last_error_at="2026-12-04T10:00:00Z",
    )
    page = client_for(personas.coordinator).get("/staff/channels/").content.decode()
    assert "не удалось получить обновления Telegram (TelegramNetworkError)" in page
    assert "polling failed" not in page and "%(reason)s" not in page

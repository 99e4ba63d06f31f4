"""What went wrong on a channel, kept so that each reader sees it in their own language.

A problem is an English message marked with `gettext_noop` and its parameters: a status code,
an exception's class name, another problem (why a poll failed). Never a handle, a token or a
message text. It is stored as JSON, ``[message, {name: value}]``, in `Reply.last_error` and
`Channel.last_error`, and translated only when shown (`describe`): a Russian coordinator reads
«SMTP-сервер отклонил получателя (550)», the command line reads English, and the stored row is
the same. Django's admin log keeps its change messages the same way.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

# Longer parameter values are cut: the columns hold 300 characters, and a cut JSON is unreadable.
PARAM_CHARS = 60
COLUMN_CHARS = 300


def record(message: str, /, **params: Any) -> str:
    """The stored form of a problem. `message` is a `gettext_noop` msgid; a parameter may be
    a problem's stored form (it is shown translated in its place)."""
    values = {name: _param(value) for name, value in params.items()}
    stored = json.dumps([message, values], ensure_ascii=False)
    if len(stored) > COLUMN_CHARS:  # only a pathological nesting: keep the message itself
        stored = json.dumps([message, dict.fromkeys(values, "…")], ensure_ascii=False)
    return stored


def describe(stored: str) -> str:
    """The problem in the active language ("" for none)."""
    if not stored:
        return ""
    parsed = _parse(stored)
    if parsed is None:
        # A line written before problems were stored as messages (English): shown as it is.
        return stored
    message, params = parsed
    values = {name: describe(value) if _parse(value) else value for name, value in params.items()}
    text = gettext(message)
    try:
        return text % values if values else text
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return message % values if values else message


def english(stored: str) -> str:
    """The problem in English: for the command line and the logs' operators."""
    with translation.override("en"):
        return describe(stored)


def _param(value: Any) -> str:
    text = str(value)
    if _parse(text) is not None:
        return text
    return text if len(text) <= PARAM_CHARS else text[: PARAM_CHARS - 1] + "…"


def _parse(stored: str) -> tuple[str, dict[str, str]] | None:
    if not stored.startswith("["):
        return None
    try:
        value = json.loads(stored)
    except ValueError:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], dict)
        and all(isinstance(v, str) for v in value[1].values())
    ):
        return value[0], value[1]
    return None

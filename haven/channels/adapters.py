"""The channel adapter interface: one small contract every channel (SMS, Telegram, Signal,
e-mail, Matrix) implements, so that everything after it (sealing, the blind index of senders,
dedupe, intake, panic words, replies and their delivery status) is written once, in
`haven.channels.ingest` and `haven.channels.delivery`, and never per channel.

An adapter is a thin translator between a provider's protocol and two plain values:

* **Inbound** (provider -> Haven): `Inbound(kind, provider_id, sender, text, attachments,
  language)`. `kind` is the adapter's kind ("sms", "gammu", "telegram", "signal", "email", "matrix");
  `provider_id` is the provider's own id of the message, stable across retries and restarts
  (Telegram's update id, Signal's envelope timestamp with its source, an SMS gateway's message
  id, an e-mail's Message-ID, a Matrix event id): ingest is idempotent on (channel, provider_id),
  so a webhook delivered twice or a poll repeated after a crash never makes a second message.
  `sender` is the handle to answer (a phone number, a chat id, an address, a Matrix id): it
  exists in plaintext only in memory; ingest seals it and keeps a keyed blind index of its
  normalised form (`Adapter.normalise_handle`) to recognise a returning sender. `text` is the
  message body; `attachments` are raw files (`InboundAttachment`), which ingest passes through
  `haven.lib.uploads` exactly like portal uploads. `language` is a hint ("ru", "en", or "")
  from the provider (Telegram's `language_code`, an e-mail's Content-Language).

* **Outbound** (Haven -> provider): `Adapter.send(Outbound(to, text)) -> str` returns the
  provider's id of the sent message. It raises `RetryableSendError` for what may pass (a
  timeout, a 5xx, a 429 rate limit; `retry_after` seconds if the provider said so) and
  `PermanentSendError` for what will not (an unknown recipient, a blocked bot, a 4xx). The
  delivery worker retries retryable errors with backoff and shows permanent ones at once. An
  adapter never logs the recipient or the text (invariant 1); error messages it raises must
  not contain them either (they are shown to staff and may reach logs).

* **Receiving**: an adapter receives either by polling or by webhook (`mode`):
  - `poll(cursor) -> Poll(messages, cursor)`: fetch what arrived after `cursor` (an opaque
    string the adapter chose last time; "" at first). The gateway stores the returned cursor
    only after every message of the batch was ingested, so a crash in between repeats the
    batch (deduped on provider_id) and loses nothing. Telegram's getUpdates offset, a
    signal-cli receive, an IMAP UID.
  - `parse_webhook(headers, body) -> list[Inbound]`: authenticate a provider's HTTP callback
    (per-channel secret or signature, compared in constant time) and parse it; raise
    `WebhookRejected` for a bad secret/signature or malformed body. The webhook view does
    size limits and admission control before calling it.

* **Health**: `health() -> Health(ok, problem)` asks the provider whether the channel works
  (a bot's getMe, the daemon's version). `problem` is a `problems.record`; `detail` is its
  English line, for `haven channels`.

* **Configuration**: an adapter is built from its channel's configuration, a plain dict
  (`Adapter(config)`): non-secret settings (a base URL, an account number) and secrets (a bot
  token, a webhook secret) opened from their sealed form by the caller. Each adapter declares
  `config_fields` (name -> is it a secret) so `haven channels add` knows what to ask.

* **Registry**: `@register` on the class adds it under its `kind`; `adapter_class(kind)` finds
  it (loading the built-in modules in `BUILTIN_MODULES` first), `kinds()` lists them. A new
  channel is a module with one registered class and a line in `BUILTIN_MODULES`.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, ClassVar, Literal

from haven.channels import problems

# Modules whose import registers the built-in adapters. A module that fails to import (its
# client library missing) is reported by `haven channels list`, never silently skipped.
BUILTIN_MODULES = (
    "haven.channels.sms",
    "haven.channels.telegram",
    "haven.channels.signal",
    "haven.channels.email",
    "haven.channels.matrix",
    "haven.channels.gammu",
)


def normalise_phone(handle: str) -> str:
    """A phone number as its digits. Russian numbers are written 8 900 ..., +7 900 ... and
    7900...: one person, one digest, whichever channel their SMS came through."""
    digits = re.sub(r"\D", "", handle)
    if len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    return digits


@dataclass(frozen=True)
class InboundAttachment:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Inbound:
    kind: str
    provider_id: str
    sender: str
    text: str
    attachments: tuple[InboundAttachment, ...] = ()
    language: str = ""
    received_at: dt.datetime | None = None

    def __repr__(self) -> str:
        # A repr that reached a log or a traceback must not carry the handle or the text.
        return f"Inbound(kind={self.kind!r}, provider_id=<{len(self.provider_id)} chars>)"


@dataclass(frozen=True)
class Outbound:
    to: str
    text: str
    # The person's language ("ru", "en"), for what an adapter adds around the text (an
    # e-mail's subject); empty when not known.
    language: str = ""

    def __repr__(self) -> str:
        return "Outbound(<sealed>)"


@dataclass(frozen=True)
class Poll:
    messages: list[Inbound]
    cursor: str


@dataclass(frozen=True)
class Health:
    ok: bool
    problem: str = ""  # problems.record(...): what was found, stored and shown translated

    @property
    def detail(self) -> str:
        return problems.english(self.problem)


class ChannelError(Exception):
    """Base of the errors an adapter raises. `message` is an English msgid marked with
    `gettext_noop`, `params` its values (a status code, an exception's class name): never a
    handle, a token or a message text. `str()` is the English line (command line, logs);
    `problem` is the stored form, shown to staff in their language (`haven.channels.problems`)."""

    def __init__(self, message: str, /, **params: Any) -> None:
        self.problem = problems.record(message, **params)
        super().__init__(problems.english(self.problem))


class SendError(ChannelError):
    retryable: ClassVar[bool] = False


class RetryableSendError(SendError):
    retryable = True

    def __init__(self, message: str, /, *, retry_after: float | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.retry_after = retry_after


class PermanentSendError(SendError):
    retryable = False


class WebhookRejected(ChannelError):
    """The callback is not from the provider (bad secret or signature) or cannot be parsed."""


class Adapter:
    """Base class of a channel adapter. Subclasses set `kind`, `label`, `mode`,
    `config_fields`, and implement `send` plus `poll` or `parse_webhook`, and `health`."""

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""  # English name for the command line ("Telegram bot")
    mode: ClassVar[Literal["poll", "webhook"]] = "poll"
    # name -> True when the value is a secret (sealed at rest, never shown again)
    config_fields: ClassVar[Mapping[str, bool]] = {}
    # Whose handles these are, for the blind index: two kinds of channel that reach the same
    # people by the same handles (an SMS gateway and a GSM modem: phone numbers) share it, so a
    # number registered in a case is recognised whichever of them the SMS came through.
    handle_space: ClassVar[str] = ""
    # An adapter that must remember something between steps which the provider does not keep
    # for it (Matrix: its end-to-end keys). The gateway gives it `state` (bytes, or None the
    # first time) before each poll or send, one step at a time per channel, and saves what it
    # leaves in `state` sealed under the delivery key, with the cursor (`Channel.sealed_state`).
    # `state_notice` is a problem (`problems.record`) for the channel's last error (keys lost
    # and made again), cleared by the gateway once written.
    keeps_state: ClassVar[bool] = False
    state: bytes | None = None
    state_notice: str = ""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)

    def normalise_handle(self, handle: str) -> str:
        """The form of a handle the blind index is computed over: the same person always gives
        the same string ("+7 (900) 123-45-67" and "89001234567" for a phone, say)."""
        return handle.strip().casefold()

    def display_handle(self, handle: str) -> str:
        """The handle as staff see it on the request's contact line (e-mail's handle also
        carries the person's OpenPGP key, Matrix's the room to answer in)."""
        return handle

    def send(self, message: Outbound) -> str:
        raise NotImplementedError

    def poll(self, cursor: str) -> Poll:
        raise NotImplementedError

    def parse_webhook(self, *, headers: Mapping[str, str], body: bytes) -> list[Inbound]:
        raise NotImplementedError

    def health(self) -> Health:
        raise NotImplementedError

    def close(self) -> None:
        """Release connections (a poller calls it when it stops)."""


@dataclass
class _Registry:
    classes: dict[str, type[Adapter]] = field(default_factory=dict)
    load_errors: dict[str, str] = field(default_factory=dict)
    loaded: bool = False


_REGISTRY = _Registry()


def register(cls: type[Adapter]) -> type[Adapter]:
    if not cls.kind:
        raise ValueError("an adapter needs a kind")
    _REGISTRY.classes[cls.kind] = cls
    return cls


_LOADING = threading.Lock()


def _load_builtins() -> None:
    if _REGISTRY.loaded:
        return
    # Under gunicorn's threads (and the gateway's, one per channel) the first requests arrive
    # together: "loaded" is set only once every module is imported, under a lock, or a second
    # thread would look for its adapter while the first is still importing them and answer a
    # provider's webhook with a 500 (seen in the burst bench run under gunicorn).
    with _LOADING:
        if _REGISTRY.loaded:
            return
        for module in BUILTIN_MODULES:
            try:
                import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name == module:
                    continue  # a channel not written yet (another branch adds it)
                _REGISTRY.load_errors[module] = f"{type(exc).__name__}: {exc.name}"
        _REGISTRY.loaded = True


def adapter_class(kind: str) -> type[Adapter]:
    _load_builtins()
    try:
        return _REGISTRY.classes[kind]
    except KeyError:
        raise LookupError(f"no channel adapter of kind {kind!r}") from None


def kinds() -> list[str]:
    _load_builtins()
    return sorted(_REGISTRY.classes)


def load_errors() -> dict[str, str]:
    _load_builtins()
    return dict(_REGISTRY.load_errors)


def build(kind: str, config: Mapping[str, Any]) -> Adapter:
    return adapter_class(kind)(config)

"""Telegram: a bot through the Bot API, with aiogram (its API server's base URL is configurable,
so a local Bot API server, or the stand-in the tests run, can take Telegram's place).

In: polled with `getUpdates(offset=cursor + 1)` (the cursor is the last update_id ingested;
Telegram forgets updates below the offset we send, so only a stored cursor confirms them), or
pushed to `/channels/hook/<channel id>/` when the channel's config says `"webhook": true`
(then `setWebhook` with a `secret_token`, which Telegram sends back in
`X-Telegram-Bot-Api-Secret-Token`). The provider id is the update_id. A photo or document is
fetched with `getFile` and downloaded into memory, never to disk.

Out: `sendMessage(chat_id, text)`; the sent message's id comes back.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import Update
from django.utils.translation import gettext_noop

from haven.channels.adapters import (
    Adapter,
    Health,
    Inbound,
    InboundAttachment,
    Outbound,
    PermanentSendError,
    Poll,
    RetryableSendError,
    WebhookRejected,
    register,
)
from haven.channels.problems import record

T = TypeVar("T")
MAX_FILE_BYTES = 20 * 1024 * 1024  # the Bot API's own getFile limit


@register
class TelegramAdapter(Adapter):
    kind = "telegram"
    label = "Telegram"
    mode = "poll"
    config_fields = {"base_url": False, "token": True, "webhook_secret": True}

    def normalise_handle(self, handle: str) -> str:
        return handle.strip()  # a chat id

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        # One event loop and one HTTP session for the adapter's life (the gateway keeps one
        # adapter per channel and thread): a new aiohttp session per call built a TLS context
        # each time, a fifth of the gateway's send thread in the burst profile
        # (docs/bench/channels.md). Used by one thread at a time, as every adapter is.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._bot: Bot | None = None

    def _run(self, work: Callable[[Bot], Awaitable[T]]) -> T:
        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
        if self._bot is None:
            base = self.config.get("base_url") or "https://api.telegram.org"
            session = AiohttpSession(api=TelegramAPIServer.from_base(base), timeout=20)
            self._bot = Bot(token=self.config.get("token", ""), session=session)
        return self._loop.run_until_complete(work(self._bot))

    def close(self) -> None:
        if self._loop is None or self._loop.is_closed():
            return
        if self._bot is not None:
            self._loop.run_until_complete(self._bot.session.close())
            self._bot = None
        self._loop.close()
        self._loop = None

    def send(self, message: Outbound) -> str:
        async def work(bot: Bot) -> str:
            sent = await bot.send_message(chat_id=int(message.to), text=message.text)
            return str(sent.message_id)

        try:
            return self._run(work)
        except TelegramRetryAfter as exc:
            raise RetryableSendError(
                gettext_noop("Telegram asked to wait"), retry_after=float(exc.retry_after)
            ) from None
        except (TelegramServerError, TelegramNetworkError) as exc:
            raise RetryableSendError(
                gettext_noop("Telegram failed (%(error)s)"), error=type(exc).__name__
            ) from None
        except (
            TelegramForbiddenError,
            TelegramBadRequest,
            TelegramNotFound,
            TelegramUnauthorizedError,
        ) as exc:
            raise PermanentSendError(
                gettext_noop("Telegram refused (%(error)s)"), error=type(exc).__name__
            ) from None
        except TelegramAPIError as exc:
            raise RetryableSendError(
                gettext_noop("Telegram failed (%(error)s)"), error=type(exc).__name__
            ) from None
        except ValueError:
            raise PermanentSendError(gettext_noop("not a Telegram chat id")) from None

    async def _inbound(self, bot: Bot, update: Update) -> Inbound | None:
        message = update.message
        if message is None or message.chat is None:
            return None
        text = message.text or message.caption or ""
        attachments: list[InboundAttachment] = []
        wanted: list[tuple[str, str, str]] = []
        if message.photo:
            wanted.append((message.photo[-1].file_id, "photo.jpg", "image/jpeg"))
        if message.document:
            wanted.append(
                (
                    message.document.file_id,
                    message.document.file_name or "document",
                    message.document.mime_type or "application/octet-stream",
                )
            )
        for file_id, name, content_type in wanted:
            file = await bot.get_file(file_id)
            if file.file_size and file.file_size > MAX_FILE_BYTES:
                continue
            data = await bot.download(file)
            if data is not None:
                attachments.append(InboundAttachment(name, content_type, data.read()))
        if not text and not attachments:
            return None
        language = message.from_user.language_code if message.from_user else ""
        return Inbound(
            kind=self.kind,
            provider_id=str(update.update_id),
            sender=str(message.chat.id),
            text=text,
            attachments=tuple(attachments),
            language=language or "",
        )

    def poll(self, cursor: str) -> Poll:
        async def work(bot: Bot) -> Poll:
            offset = int(cursor) + 1 if cursor else None
            updates = await bot.get_updates(offset=offset, timeout=0, allowed_updates=["message"])
            messages = []
            newest = cursor
            for update in updates:
                found = await self._inbound(bot, update)
                if found is not None:
                    messages.append(found)
                newest = str(max(int(newest or 0), update.update_id))
            return Poll(messages, newest)

        try:
            return self._run(work)
        except TelegramAPIError as exc:
            raise RetryableSendError(
                gettext_noop("Telegram poll failed (%(error)s)"), error=type(exc).__name__
            ) from None

    def parse_webhook(self, *, headers: Mapping[str, str], body: bytes) -> list[Inbound]:
        secret = self.config.get("webhook_secret", "")
        given = headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not secret or not hmac.compare_digest(secret.encode(), given.encode()):
            raise WebhookRejected("bad webhook secret")
        try:
            update = Update.model_validate(json.loads(body))
        except ValueError:
            raise WebhookRejected("malformed webhook") from None

        async def work(bot: Bot) -> Inbound | None:
            return await self._inbound(bot, update)

        found = self._run(work)
        return [found] if found else []

    def health(self) -> Health:
        async def work(bot: Bot) -> str:
            me = await bot.get_me()
            return me.username or str(me.id)

        try:
            return Health(True, record(gettext_noop("bot @%(name)s"), name=self._run(work)))
        except (TelegramAPIError, ValueError, OSError) as exc:
            return Health(
                False, record(gettext_noop("getMe failed (%(error)s)"), error=type(exc).__name__)
            )

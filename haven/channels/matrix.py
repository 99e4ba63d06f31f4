"""Matrix: a bot account on a homeserver (the organisation's own, ideally), with matrix-nio.

In: `poll(cursor)` is one `/sync` from the stored sync token (`next_batch`; "" at first). The
bot joins the rooms it is invited to and answers direct conversations only: a room with more
than the bot and one person is left at once, because a reply there would be read by everyone
in it. Each text, image or file message of the person becomes an Inbound whose provider id is
the event id, so a sync repeated after a crash (the token is saved only after the batch) brings
the same ids and ingest drops them. Files are downloaded into memory, never to disk.

The handle is "<user id> <room id>": the room is where replies go; the blind index is computed
over the user id alone (`normalise_handle`), so a returning person is recognised from any room.

Out: `m.room.message` (`m.text`) into the room; the id returned is the event id. If the person
left the room, a new direct room is created with them invited.

End-to-end encryption: matrix-nio 0.26 encrypts with vodozemac (a wheel on PyPI, it installs
here), but its key store is an SQLite file that keeps the Matrix ids and device keys of every
correspondent in the clear, which the threat model forbids on Haven's disk (invariant 1). Until
that store is kept sealed, the bot runs without encryption: an encrypted message is not lost,
it arrives saying that it could not be read, and the first reply tells the person in plain words
that the conversation is readable by the homeservers (docs/intake.md).

Nothing here logs a Matrix id, a room id or a message; matrix-nio's own loggers are held at
warnings, since at debug level they print whole events.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from haven.channels.adapters import (
    Adapter,
    ChannelError,
    Health,
    Inbound,
    InboundAttachment,
    Outbound,
    PermanentSendError,
    Poll,
    RetryableSendError,
    register,
)
from haven.channels.email import language_hint

log = logging.getLogger("haven.channels")
logging.getLogger("nio").setLevel(logging.WARNING)
logging.getLogger("peewee").setLevel(logging.WARNING)

T = TypeVar("T")
MAX_FILE_BYTES = 20 * 1024 * 1024
UNREADABLE = (
    "[Зашифрованное сообщение: бот Haven не может читать зашифрованные комнаты. / "
    "Encrypted message: the Haven bot cannot read encrypted rooms.]"
)
# One sync returns at most this many events per room; the rest come with the next token.
SYNC_FILTER = {
    "presence": {"not_types": ["*"]},
    "account_data": {"not_types": ["*"]},
    "room": {
        "timeline": {"limit": 50},
        "ephemeral": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
    },
}


def split_handle(handle: str) -> tuple[str, str]:
    user, _, room = handle.strip().partition(" ")
    return user, room.strip()


@register
class MatrixAdapter(Adapter):
    kind = "matrix"
    label = "Matrix"
    mode = "poll"
    config_fields = {
        "homeserver": False,
        "user_id": False,
        "device_id": False,
        "access_token": True,
    }

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)

    def normalise_handle(self, handle: str) -> str:
        return split_handle(handle)[0].casefold()

    def display_handle(self, handle: str) -> str:
        return split_handle(handle)[0]

    def _run(self, work: Callable[[Any], Awaitable[T]]) -> T:
        from nio import AsyncClient, AsyncClientConfig

        async def go() -> T:
            client = AsyncClient(
                str(self.config["homeserver"]),
                str(self.config.get("user_id") or ""),
                device_id=str(self.config.get("device_id") or "") or None,
                store_path=None,
                config=AsyncClientConfig(
                    encryption_enabled=False, store=None, request_timeout=30, max_timeouts=2
                ),
            )
            client.access_token = str(self.config.get("access_token") or "")
            # With a token and no login, nio leaves user_id empty: without it the bot would
            # read its own replies back as a new person writing.
            client.user_id = str(self.config.get("user_id") or "")
            try:
                return await work(client)
            finally:
                await client.close()

        return asyncio.run(go())

    # --- in ------------------------------------------------------------------------------

    async def _attachment(self, client: Any, event: Any) -> InboundAttachment | None:
        from nio import MemoryDownloadResponse

        info = (event.source.get("content") or {}).get("info") or {}
        if int(info.get("size") or 0) > MAX_FILE_BYTES:
            return None
        got = await client.download(mxc=event.url)
        if not isinstance(got, MemoryDownloadResponse) or len(got.body) > MAX_FILE_BYTES:
            return None
        return InboundAttachment(
            name=str(event.body or "attachment")[:120],
            content_type=str(info.get("mimetype") or got.content_type or ""),
            data=got.body,
        )

    async def _is_direct(self, client: Any, room_id: str) -> bool:
        from nio import JoinedMembersResponse

        members = await client.joined_members(room_id)
        return isinstance(members, JoinedMembersResponse) and len(members.members) <= 2

    async def _sync(self, client: Any, cursor: str) -> Poll:
        from nio import (
            MegolmEvent,
            RoomMessageFile,
            RoomMessageImage,
            RoomMessageText,
            SyncResponse,
        )

        synced = await client.sync(
            timeout=0, since=cursor or None, sync_filter=SYNC_FILTER, set_presence="offline"
        )
        if not isinstance(synced, SyncResponse):
            raise ChannelError(f"sync failed ({getattr(synced, 'status_code', '') or 'error'})")
        me = client.user_id
        if not me:
            raise ChannelError("the channel has no user_id: the bot cannot tell its own messages")
        for room_id in synced.rooms.invite:
            await client.join(room_id)
        messages: list[Inbound] = []
        left = 0
        for room_id, room in synced.rooms.join.items():
            events = [e for e in room.timeline.events if getattr(e, "sender", me) != me]
            wanted = [
                e
                for e in events
                if isinstance(e, RoomMessageText | RoomMessageImage | RoomMessageFile | MegolmEvent)
            ]
            if not wanted:
                continue
            if not await self._is_direct(client, room_id):
                await client.room_leave(room_id)
                left += 1
                continue
            for event in wanted:
                text = ""
                files: tuple[InboundAttachment, ...] = ()
                if isinstance(event, RoomMessageText):
                    text = event.body
                elif isinstance(event, MegolmEvent):
                    text = UNREADABLE
                else:
                    found = await self._attachment(client, event)
                    files = (found,) if found else ()
                messages.append(
                    Inbound(
                        kind=self.kind,
                        provider_id=event.event_id,
                        sender=f"{event.sender} {room_id}",
                        text=text,
                        attachments=files,
                        language=language_hint(text),
                    )
                )
        log.info("matrix sync: %d message(s), %d group room(s) left", len(messages), left)
        return Poll(messages=messages, cursor=synced.next_batch)

    def poll(self, cursor: str) -> Poll:
        try:
            return self._run(lambda client: self._sync(client, cursor))
        except ChannelError:
            raise
        except (OSError, TimeoutError) as exc:
            raise ChannelError(f"homeserver unreachable ({type(exc).__name__})") from None

    # --- out -----------------------------------------------------------------------------

    async def _send(self, client: Any, to: str, text: str) -> str:
        from nio import JoinedMembersResponse, RoomCreateResponse, RoomSendResponse

        user, room = split_handle(to)
        content = {"msgtype": "m.text", "body": text}
        tx = str(uuid.uuid4())
        sent: Any = None
        members = await client.joined_members(room) if room else None
        if isinstance(members, JoinedMembersResponse) and any(
            m.user_id == user for m in members.members
        ):
            sent = await client.room_send(room, "m.room.message", content, tx_id=tx)
        elif isinstance(members, JoinedMembersResponse):
            # The person left: the room holds only the bot now. Leave it too.
            await client.room_leave(room)
        if isinstance(sent, RoomSendResponse):
            return str(sent.event_id)
        # nio's error responses carry the Matrix errcode in `status_code`.
        code = str(getattr(sent, "status_code", "") or "") if sent is not None else "M_FORBIDDEN"
        if code in {"M_FORBIDDEN", "M_NOT_FOUND"}:
            # The person left the room (or it is gone): open a new direct one with them.
            created = await client.room_create(is_direct=True, invite=[user])
            if not isinstance(created, RoomCreateResponse):
                raise PermanentSendError("could not open a direct room with the person")
            sent = await client.room_send(created.room_id, "m.room.message", content, tx_id=tx)
            if isinstance(sent, RoomSendResponse):
                return str(sent.event_id)
            code = str(getattr(sent, "status_code", "") or "")
        if code == "M_LIMIT_EXCEEDED":
            retry = getattr(sent, "retry_after_ms", None) or 1000
            raise RetryableSendError("the homeserver is rate limiting", retry_after=retry / 1000)
        if code in {"M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN_TOKEN", "M_USER_DEACTIVATED"}:
            raise PermanentSendError(f"the homeserver refused the message ({code})")
        raise RetryableSendError(f"the homeserver failed ({code or 'no answer'})")

    def send(self, message: Outbound) -> str:
        try:
            return self._run(lambda client: self._send(client, message.to, message.text))
        except (OSError, TimeoutError) as exc:
            raise RetryableSendError(f"homeserver unreachable ({type(exc).__name__})") from None

    # --- health --------------------------------------------------------------------------

    def health(self) -> Health:
        from nio import WhoamiResponse

        async def check(client: Any) -> Health:
            me = await client.whoami()
            if isinstance(me, WhoamiResponse):
                return Health(ok=True, detail="the homeserver knows the bot's token")
            return Health(ok=False, detail="the homeserver refused the bot's token")

        try:
            return self._run(check)
        except Exception as exc:  # noqa: BLE001
            return Health(ok=False, detail=f"homeserver unreachable ({type(exc).__name__})")

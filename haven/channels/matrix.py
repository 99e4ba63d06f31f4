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

End-to-end encryption (Megolm, with nio 0.26's vodozemac bindings): an encrypted direct room
is read and answered encrypted. nio's key store is an SQLite database; here it lives only in
memory (`SqliteMemoryStore`), restored at the start of every step from `self.state` (the
database's bytes, `sqlite3.Connection.serialize`) and dumped back at the end. The gateway gives
that state from `Channel.sealed_state` (sealed under the delivery key) and saves it with the
cursor, under a lease so that the poll and send steps of a channel never work from two copies;
nothing of it touches the disk in the clear (invariant 1). Inside it, nio pickles every Olm and
Megolm secret again under `pickle_key` (derived from the delivery key per channel).

Why not nio's own file store (`SqliteStore`, `DefaultStore`): it writes the Matrix ids and the
device keys of everyone the bot talks to, and the bot's own private keys under a constant
pickle passphrase, into a file beside the server, readable by whoever copies the disk.

Replies go to every device of the person's that the homeserver lists, verified or not
(`ignore_unverified_devices`): a person in danger cannot be asked to compare emoji with a bot,
and refusing to send would leave them with nothing (docs/intake.md says what this trusts).

Nothing here logs a Matrix id, a room id or a message; matrix-nio's own loggers are held at
critical, since at debug level they print whole events and their crypto warnings name users.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from django.utils.translation import gettext_noop

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
from haven.channels.problems import record

log = logging.getLogger("haven.channels")
# With encryption on, nio's warnings name users and their devices ("Attempted to mark device
# ... of user @...", seen in the tests): nothing of nio's reaches the logs below critical.
logging.getLogger("nio").setLevel(logging.CRITICAL)
logging.getLogger("peewee").setLevel(logging.WARNING)

T = TypeVar("T")
MAX_FILE_BYTES = 20 * 1024 * 1024
# A message the bot holds no key for (sent before the bot's device was known to the person's
# client, or whose key never reached it) arrives saying so, rather than not at all. Stored as
# the message's text, in both languages, like a message the person wrote.
UNDECRYPTABLE = (
    "[Зашифрованное сообщение, которое бот Haven не смог расшифровать: к нему не пришёл ключ. "
    "Попросите человека написать ещё раз. / "
    "Encrypted message the Haven bot could not decrypt: its key never reached the bot. "
    "Ask the person to write again.]"
)
MEGOLM = {"algorithm": "m.megolm.v1.aes-sha2"}
# A lost state leaves one-time keys of the old account on the homeserver under the ids a new
# account counts from again; the new account skips past them (50 ids a round) before giving up.
KEY_ID_ROUNDS = 40
STATE_VERSION = 1
# nio's stores bind its peewee models (module globals) to their database for each call
# (`use_database`): two stores working at once in one process, in two threads (two Matrix
# channels, or a test's person), send each other's queries to the wrong database ("no such
# table", keys saved into the other state; seen in the threaded gateway test). Every step that
# opens a store holds this lock for its length: Matrix steps of different channels take turns.
NIO_STORE_LOCK = threading.Lock()
# For the channel's last error (docs/intake.md says what to do). A client pins a device's
# keys: new keys under the same device id are refused, so only a new device (a new login)
# makes the bot readable again.
KEYS_LOST = record(
    gettext_noop(
        "end-to-end keys lost: new ones were made for the same device, which people's clients "
        "refuse, so their encrypted messages arrive undecryptable. Log the bot in again (a new "
        "device) and set the channel's device_id and access_token"
    )
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


def _memory_store(user_id: str, device_id: str, pickle_key: str, snapshot: bytes | None) -> Any:
    """nio's in-memory SQLite store, holding `snapshot` (a serialised database) if given."""
    from nio.store import SqliteMemoryStore
    from peewee import SqliteDatabase

    class _Restored(SqliteDatabase):
        def _connect(self) -> sqlite3.Connection:
            conn: sqlite3.Connection = super()._connect()
            if snapshot:
                conn.deserialize(snapshot)
            return conn

    class _Store(SqliteMemoryStore):
        def _create_database(self) -> Any:
            return _Restored(":memory:", pragmas={"foreign_keys": 1, "secure_delete": 1})

    return _Store(user_id, device_id, pickle_key)


def _pack(store: Any, one_time_keys: int | None) -> bytes:
    database: bytes = store.database.connection().serialize()
    head = json.dumps({"v": STATE_VERSION, "otk": one_time_keys}).encode()
    return len(head).to_bytes(4, "big") + head + database


def _unpack(state: bytes | None) -> tuple[bytes | None, int | None]:
    if not state:
        return None, None
    size = int.from_bytes(state[:4], "big")
    head = json.loads(state[4 : 4 + size])
    if head.get("v") != STATE_VERSION:
        raise ValueError("the saved end-to-end state is of an unknown version")
    return state[4 + size :], head.get("otk")


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

    keeps_state = True

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        # Without the gateway's key (an adapter built by hand), a key for this object's life:
        # its state then opens only in this object.
        self.pickle_key = str(config.get("pickle_key") or secrets.token_hex(32))
        self.state = None

    def normalise_handle(self, handle: str) -> str:
        return split_handle(handle)[0].casefold()

    def display_handle(self, handle: str) -> str:
        return split_handle(handle)[0]

    def _run(self, work: Callable[[Any], Awaitable[T]], *, crypto: bool = True) -> T:
        from nio import AsyncClient, AsyncClientConfig
        from nio.crypto import Olm
        from nio.store import SqliteMemoryStore

        user_id = str(self.config.get("user_id") or "")
        device_id = str(self.config.get("device_id") or "")

        async def go() -> T:
            client = AsyncClient(
                str(self.config["homeserver"]),
                user_id,
                device_id=device_id or None,
                store_path=None,
                config=AsyncClientConfig(
                    encryption_enabled=True,
                    store=SqliteMemoryStore,
                    store_sync_tokens=False,
                    pickle_key=self.pickle_key,
                    request_timeout=30,
                    max_timeouts=2,
                ),
            )
            client.access_token = str(self.config.get("access_token") or "")
            # With a token and no login, nio leaves user_id empty: without it the bot would
            # read its own replies back as a new person writing.
            client.user_id = user_id
            store = None
            if crypto and user_id and device_id:
                try:
                    store, olm, one_time_keys = self._restore(user_id, device_id)
                except Exception as exc:  # noqa: BLE001  (a damaged state: never a crash loop)
                    log.warning("matrix: the saved state is damaged (%s)", type(exc).__name__)
                    self.state_notice = KEYS_LOST
                    store = _memory_store(user_id, device_id, self.pickle_key, None)
                    olm, one_time_keys = Olm(user_id, device_id, store), None
                client.store, client.olm = store, olm
                olm.uploaded_key_count = one_time_keys
                client.encrypted_rooms = store.load_encrypted_rooms()
            try:
                return await work(client)
            finally:
                if store is not None:
                    # Whatever happened on the homeserver is in here (keys uploaded, sessions
                    # made); the gateway decides whether to keep it.
                    self.state = _pack(store, client.olm.uploaded_key_count)
                    store.database.close()
                await client.close()

        if not crypto:
            return asyncio.run(go())
        with NIO_STORE_LOCK:
            return asyncio.run(go())

    def _restore(self, user_id: str, device_id: str) -> tuple[Any, Any, int | None]:
        from nio.crypto import Olm

        snapshot, one_time_keys = _unpack(self.state)
        store = _memory_store(user_id, device_id, self.pickle_key, snapshot)
        return store, Olm(user_id, device_id, store), one_time_keys

    async def _upload_keys(self, client: Any) -> None:
        from nio import KeysUploadResponse

        for _ in range(KEY_ID_ROUNDS):
            uploaded = await client.keys_upload()
            if isinstance(uploaded, KeysUploadResponse):
                return
            if "already exists" not in str(getattr(uploaded, "message", "")):
                raise ChannelError(gettext_noop("the homeserver refused the bot's end-to-end keys"))
            # The homeserver still holds one-time keys of an account whose state was lost,
            # under the ids this account counts from: skip them.
            client.olm.account.mark_keys_as_published()
            self.state_notice = KEYS_LOST
        raise ChannelError(gettext_noop("the homeserver refused the bot's new one-time keys"))

    # --- in ------------------------------------------------------------------------------

    async def _attachment(self, client: Any, event: Any) -> InboundAttachment | None:
        from nio import MemoryDownloadResponse, RoomEncryptedMedia
        from nio.crypto.attachments import decrypt_attachment

        content = event.source.get("content") or {}
        info = content.get("info") or {}
        if int(info.get("size") or 0) > MAX_FILE_BYTES:
            return None
        got = await client.download(mxc=event.url)
        if not isinstance(got, MemoryDownloadResponse) or len(got.body) > MAX_FILE_BYTES:
            return None
        data = got.body
        if isinstance(event, RoomEncryptedMedia):
            # The homeserver stores the file encrypted; its key came in the Megolm-encrypted
            # event. A file that fails its hash is dropped, like one over the limit.
            try:
                data = decrypt_attachment(data, event.key["k"], event.hashes["sha256"], event.iv)
            except Exception:  # noqa: BLE001  (a damaged or forged file: not kept)
                return None
        return InboundAttachment(
            name=str(event.body or "attachment")[:120],
            content_type=str(info.get("mimetype") or getattr(got, "content_type", "") or ""),
            data=data,
        )

    async def _is_direct(self, client: Any, room_id: str) -> bool:
        from nio import JoinedMembersResponse

        members = await client.joined_members(room_id)
        return isinstance(members, JoinedMembersResponse) and len(members.members) <= 2

    async def _sync(self, client: Any, cursor: str) -> Poll:
        from nio import (
            MegolmEvent,
            RoomEncryptedFile,
            RoomEncryptedImage,
            RoomMessageFile,
            RoomMessageImage,
            RoomMessageText,
            SyncResponse,
        )

        me = client.user_id
        if not me:
            raise ChannelError(
                gettext_noop("the channel has no user_id: the bot cannot tell its own messages")
            )
        if client.olm is None:
            raise ChannelError(
                gettext_noop("the channel has no device_id: the bot cannot hold its keys")
            )
        if client.should_upload_keys:
            # A step of its own, saved before anything else: keys the homeserver holds must
            # never be lost with a step that failed later (they could not be uploaded again).
            await self._upload_keys(client)
            return Poll(messages=[], cursor=cursor)
        synced = await client.sync(
            timeout=0,
            since=cursor or None,
            sync_filter=SYNC_FILTER,
            set_presence="offline",
            full_state=not cursor,
        )
        if not isinstance(synced, SyncResponse):
            code = getattr(synced, "status_code", "")
            if code:
                raise ChannelError(gettext_noop("sync failed (%(code)s)"), code=code)
            raise ChannelError(gettext_noop("sync failed"))
        if client.should_query_keys:
            await client.keys_query()
        for room_id in synced.rooms.invite:
            await client.join(room_id)
        media = RoomMessageImage | RoomMessageFile | RoomEncryptedImage | RoomEncryptedFile
        messages: list[Inbound] = []
        left = undecryptable = 0
        for room_id, room in synced.rooms.join.items():
            events = [e for e in room.timeline.events if getattr(e, "sender", me) != me]
            wanted = [e for e in events if isinstance(e, RoomMessageText | media | MegolmEvent)]
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
                    text = UNDECRYPTABLE
                    undecryptable += 1
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
                        language=language_hint(text) if text != UNDECRYPTABLE else "",
                    )
                )
        log.info(
            "matrix sync: %d message(s), %d undecryptable, %d group room(s) left",
            len(messages),
            undecryptable,
            left,
        )
        return Poll(messages=messages, cursor=synced.next_batch)

    def poll(self, cursor: str) -> Poll:
        try:
            return self._run(lambda client: self._sync(client, cursor))
        except ChannelError:
            raise
        except (OSError, TimeoutError) as exc:
            raise ChannelError(
                gettext_noop("homeserver unreachable (%(error)s)"), error=type(exc).__name__
            ) from None

    # --- out -----------------------------------------------------------------------------

    async def _encrypted(self, client: Any, room_id: str) -> bool:
        """Whether the room is encrypted: known from a sync, or asked of the homeserver (a
        reply must never go out in the clear into an encrypted room nio has not seen yet)."""
        from nio import RoomGetStateEventResponse

        if room_id in client.encrypted_rooms:
            return True
        state = await client.room_get_state_event(room_id, "m.room.encryption")
        return isinstance(state, RoomGetStateEventResponse) and bool(
            (state.content or {}).get("algorithm")
        )

    async def _send_into(
        self,
        client: Any,
        room_id: str,
        user: str,
        content: dict[str, Any],
        tx: str,
        *,
        encrypted: bool,
        invited: bool = False,
    ) -> Any:
        from nio.rooms import MatrixRoom

        if room_id not in client.rooms:
            # nio knows rooms from a sync; a send step has none: the room as far as it needs.
            room = MatrixRoom(room_id, client.user_id, encrypted=encrypted)
            client.rooms[room_id] = room
        room = client.rooms[room_id]
        if encrypted:
            room.encrypted = True
            client.encrypted_rooms.add(room_id)
            client.store.save_encrypted_rooms([room_id])
            if invited:
                # Invited, not joined yet: the key must reach their devices all the same.
                room.add_member(user, None, None, invited=True)
                room.members_synced = True
                client.olm.update_tracked_users(room)
                if client.should_query_keys:
                    await client.keys_query()
        return await client.room_send(
            room_id, "m.room.message", content, tx_id=tx, ignore_unverified_devices=True
        )

    async def _send(self, client: Any, to: str, text: str) -> str:
        from nio import JoinedMembersResponse, RoomCreateResponse, RoomSendResponse

        user, room = split_handle(to)
        content = {"msgtype": "m.text", "body": text}
        tx = str(uuid.uuid4())
        sent: Any = None
        encrypted = False
        if client.olm is not None and client.should_upload_keys:
            await self._upload_keys(client)
        members = await client.joined_members(room) if room else None
        if isinstance(members, JoinedMembersResponse) and any(
            m.user_id == user for m in members.members
        ):
            encrypted = await self._encrypted(client, room)
            sent = await self._send_into(client, room, user, content, tx, encrypted=encrypted)
        elif isinstance(members, JoinedMembersResponse):
            # The person left: the room holds only the bot now. Leave it too.
            encrypted = await self._encrypted(client, room)
            await client.room_leave(room)
        if isinstance(sent, RoomSendResponse):
            return str(sent.event_id)
        # nio's error responses carry the Matrix errcode in `status_code`.
        code = str(getattr(sent, "status_code", "") or "") if sent is not None else "M_FORBIDDEN"
        if code in {"M_FORBIDDEN", "M_NOT_FOUND"}:
            # The person left the room (or it is gone): open a new direct one with them,
            # encrypted if the old one was.
            created = await client.room_create(
                is_direct=True,
                invite=[user],
                initial_state=[{"type": "m.room.encryption", "state_key": "", "content": MEGOLM}]
                if encrypted
                else (),
            )
            if not isinstance(created, RoomCreateResponse):
                raise PermanentSendError(
                    gettext_noop("could not open a direct room with the person")
                )
            sent = await self._send_into(
                client, created.room_id, user, content, tx, encrypted=encrypted, invited=True
            )
            if isinstance(sent, RoomSendResponse):
                return str(sent.event_id)
            code = str(getattr(sent, "status_code", "") or "")
        if code == "M_LIMIT_EXCEEDED":
            retry = getattr(sent, "retry_after_ms", None) or 1000
            raise RetryableSendError(
                gettext_noop("the homeserver is rate limiting"), retry_after=retry / 1000
            )
        if code in {"M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN_TOKEN", "M_USER_DEACTIVATED"}:
            raise PermanentSendError(
                gettext_noop("the homeserver refused the message (%(code)s)"), code=code
            )
        if code:
            raise RetryableSendError(gettext_noop("the homeserver failed (%(code)s)"), code=code)
        raise RetryableSendError(gettext_noop("the homeserver did not answer"))

    def send(self, message: Outbound) -> str:
        from nio.exceptions import EncryptionError, LocalProtocolError, SendRetryError

        try:
            return self._run(lambda client: self._send(client, message.to, message.text))
        except (OSError, TimeoutError) as exc:
            raise RetryableSendError(
                gettext_noop("homeserver unreachable (%(error)s)"), error=type(exc).__name__
            ) from None
        except (EncryptionError, LocalProtocolError, SendRetryError) as exc:
            # nio's messages name rooms and users: only the kind of failure is kept.
            raise RetryableSendError(
                gettext_noop("the reply could not be encrypted (%(error)s)"),
                error=type(exc).__name__,
            ) from None

    # --- health --------------------------------------------------------------------------

    def health(self) -> Health:
        from nio import WhoamiResponse

        async def check(client: Any) -> Health:
            me = await client.whoami()
            if isinstance(me, WhoamiResponse):
                return Health(True, record(gettext_noop("the homeserver knows the bot's token")))
            return Health(False, record(gettext_noop("the homeserver refused the bot's token")))

        try:
            return self._run(check, crypto=False)
        except Exception as exc:  # noqa: BLE001
            return Health(
                False,
                record(
                    gettext_noop("homeserver unreachable (%(error)s)"), error=type(exc).__name__
                ),
            )

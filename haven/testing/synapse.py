"""A throwaway Matrix homeserver for the tests: Synapse from PyPI (the dev dependency group) on
loopback, SQLite, a generated configuration in a temporary folder.

    with homeserver() as hs:
        bot = hs.register("haven-bot")          # a Matrix account, with its password
        person = hs.register("person")

Users are created with the registration shared secret through Synapse's admin API (the way an
operator creates the bot account, see docs/intake.md); public registration stays off. Rate
limits are raised so a test's burst of messages is not throttled. Nothing leaves loopback:
federation is not listened on and no key server is trusted.

    python -m haven.testing.synapse      # start one, print how long it took, stop it
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SERVER_NAME = "haven.test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class MatrixAccount:
    user_id: str
    password: str
    access_token: str
    device_id: str


@dataclass
class Homeserver:
    url: str
    root: Path
    shared_secret: str
    started_in: float
    accounts: dict[str, MatrixAccount] = field(default_factory=dict)

    def _post(self, path: str, body: dict[str, object]) -> dict[str, object]:
        req = urllib.request.Request(  # noqa: S310 (the URL is our own loopback server)
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
            return dict(json.loads(resp.read()))

    def register(self, localpart: str, *, admin: bool = False) -> MatrixAccount:
        """Create a user with the shared secret (Synapse's admin registration API)."""
        with urllib.request.urlopen(  # noqa: S310
            self.url + "/_synapse/admin/v1/register", timeout=30
        ) as resp:
            nonce = json.loads(resp.read())["nonce"]
        password = secrets.token_urlsafe(18)
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(f"{nonce}\x00{localpart}\x00{password}\x00".encode())
        mac.update(b"admin" if admin else b"notadmin")
        out = self._post(
            "/_synapse/admin/v1/register",
            {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            },
        )
        account = MatrixAccount(
            user_id=str(out["user_id"]),
            password=password,
            access_token=str(out["access_token"]),
            device_id=str(out["device_id"]),
        )
        self.accounts[localpart] = account
        return account

    def login(self, account: MatrixAccount) -> MatrixAccount:
        """The same user on a new device (a password login), as an operator would do it."""
        out = self._post(
            "/_matrix/client/v3/login",
            {
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": account.user_id},
                "password": account.password,
            },
        )
        return MatrixAccount(
            user_id=account.user_id,
            password=account.password,
            access_token=str(out["access_token"]),
            device_id=str(out["device_id"]),
        )

    def raw_event(self, account: MatrixAccount, room_id: str, event_id: str) -> dict[str, Any]:
        """An event as the homeserver holds it (what is on the wire), read as `account`."""
        from urllib.parse import quote

        req = urllib.request.Request(  # noqa: S310 (the URL is our own loopback server)
            f"{self.url}/_matrix/client/v3/rooms/{quote(room_id)}/event/{quote(event_id)}",
            headers={"Authorization": f"Bearer {account.access_token}"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
            return dict(json.loads(resp.read()))


def _config(root: Path, port: int, secret: str) -> str:
    # JSON is YAML: no YAML writer needed.
    unlimited = {"per_second": 1000, "burst_count": 1000}
    config = {
        "server_name": SERVER_NAME,
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "pid_file": str(root / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(root / "homeserver.db")}},
        "log_config": str(root / "log.yaml"),
        "media_store_path": str(root / "media"),
        "signing_key_path": str(root / "signing.key"),
        "registration_shared_secret": secret,
        "enable_registration": False,
        "report_stats": False,
        "enable_metrics": False,
        "macaroon_secret_key": secrets.token_hex(16),
        "form_secret": secrets.token_hex(16),
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "url_preview_enabled": False,
        "presence": {"enabled": False},
        # Synapse answers an identical /sync from a two-minute cache; the tests repeat syncs on
        # purpose (a restarted poller) and want the server's real answer each time.
        "caches": {"sync_response_cache_duration": "0"},
        "rc_message": unlimited,
        "rc_registration": unlimited,
        "rc_login": {"address": unlimited, "account": unlimited, "failed_attempts": unlimited},
        "rc_joins": {"local": unlimited, "remote": unlimited},
        "rc_invites": {"per_room": unlimited, "per_user": unlimited, "per_issuer": unlimited},
        "rc_key_requests": unlimited,
        "rc_admin_redaction": unlimited,
    }
    return json.dumps(config, indent=1)


_LOG_CONFIG = """\
version: 1
formatters:
  plain:
    format: '%(asctime)s %(levelname)s %(name)s %(message)s'
handlers:
  file:
    class: logging.FileHandler
    filename: {path}
    formatter: plain
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
"""


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, deadline: float) -> None:
    while True:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"Synapse exited with {proc.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as resp:  # noqa: S310
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("Synapse did not answer /health within 120 s")
        # Synapse offers no readiness signal but its port; poll it briefly.
        time.sleep(0.05)


@contextlib.contextmanager
def homeserver() -> Iterator[Homeserver]:
    from signedjson.key import generate_signing_key, write_signing_keys

    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="haven-synapse-"))
    port = _free_port()
    secret = secrets.token_urlsafe(24)
    (root / "media").mkdir()
    (root / "log.yaml").write_text(_LOG_CONFIG.format(path=root / "homeserver.log"))
    with (root / "signing.key").open("w") as f:
        write_signing_keys(f, [generate_signing_key("a_test")])
    (root / "homeserver.yaml").write_text(_config(root, port, secret))
    stderr = (root / "stderr.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "synapse.app.homeserver",
            "--config-path",
            str(root / "homeserver.yaml"),
        ],
        cwd=root,
        stdout=stderr,
        stderr=stderr,
        env={**os.environ, "SYNAPSE_ASYNC_IO_REACTOR": "0"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, root / "stderr.log", time.monotonic() + 120)
        yield Homeserver(
            url=url, root=root, shared_secret=secret, started_in=time.monotonic() - started
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        stderr.close()
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    with homeserver() as hs:
        print(f"Synapse answered at {hs.url} after {hs.started_in:.1f} s")
        t = time.monotonic()
        hs.register("probe")
        print(f"registered a user in {time.monotonic() - t:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


class MatrixPerson:
    """A person's Matrix client in the tests (matrix-nio, no encryption): open a direct room
    with the bot, write, read what came back."""

    def __init__(self, hs: Homeserver, account: MatrixAccount) -> None:
        self.hs, self.account = hs, account

    def _run(self, work: Callable[[Any], Awaitable[Any]]) -> Any:
        import asyncio

        from nio import AsyncClient, AsyncClientConfig

        async def go() -> Any:
            client = AsyncClient(
                self.hs.url,
                self.account.user_id,
                device_id=self.account.device_id,
                store_path=None,
                config=AsyncClientConfig(encryption_enabled=False, store=None),
            )
            client.access_token = self.account.access_token
            try:
                return await work(client)
            finally:
                await client.close()

        return asyncio.run(go())

    def open_direct_room(self, bot_user_id: str) -> str:
        async def work(client: Any) -> Any:
            created = await client.room_create(is_direct=True, invite=[bot_user_id])
            return created.room_id

        return str(self._run(work))

    def open_group_room(self, *user_ids: str) -> str:
        async def work(client: Any) -> Any:
            created = await client.room_create(invite=list(user_ids))
            return created.room_id

        return str(self._run(work))

    def join(self, room_id: str) -> None:
        async def work(client: Any) -> Any:
            await client.join(room_id)

        self._run(work)

    def say(self, room_id: str, text: str) -> str:
        async def work(client: Any) -> Any:
            sent = await client.room_send(
                room_id, "m.room.message", {"msgtype": "m.text", "body": text}
            )
            return sent.event_id

        return str(self._run(work))

    def leave(self, room_id: str) -> None:
        async def work(client: Any) -> Any:
            await client.room_leave(room_id)

        self._run(work)

    def messages_from(self, sender: str) -> list[tuple[str, str]]:
        """(room id, text) of every text message from `sender` in the rooms this person is in,
        invitations accepted first."""

        async def work(client: Any) -> Any:
            from nio import RoomMessageText

            synced = await client.sync(timeout=0)
            for room_id in synced.rooms.invite:
                await client.join(room_id)
            if synced.rooms.invite:
                synced = await client.sync(timeout=0, full_state=True)
            return [
                (room_id, e.body)
                for room_id, room in synced.rooms.join.items()
                for e in room.timeline.events
                if isinstance(e, RoomMessageText) and e.sender == sender
            ]

        return list(self._run(work))


@dataclass(frozen=True)
class Received:
    room_id: str
    sender: str
    event_id: str
    text: str
    # True when the event came as `m.room.encrypted` and this client decrypted it.
    decrypted: bool


class EncryptedMatrixPerson(MatrixPerson):
    """A person's Matrix client with end-to-end encryption, as Element would have it: its own
    device keys, uploaded; its Olm and Megolm state in nio's in-memory store, kept for the
    object's life by one event loop in a thread of its own (so one nio client throughout)."""

    def __init__(self, hs: Homeserver, account: MatrixAccount) -> None:
        import asyncio
        import threading

        from nio import AsyncClient, AsyncClientConfig
        from nio.store import SqliteMemoryStore

        super().__init__(hs, account)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.received: list[Received] = []
        self.client = AsyncClient(
            hs.url,
            account.user_id,
            device_id=account.device_id,
            store_path=None,
            config=AsyncClientConfig(
                encryption_enabled=True, store=SqliteMemoryStore, store_sync_tokens=False
            ),
        )

        async def start(client: Any) -> None:
            # In the loop's thread: peewee gives each thread its own connection, and a second
            # connection to ":memory:" is another, empty, database.
            client.restore_login(account.user_id, account.device_id, account.access_token)
            await client.keys_upload()
            await self._sync(client)

        self._run(start)

    def _run(self, work: Callable[[Any], Awaitable[Any]]) -> Any:
        import asyncio

        from haven.channels.matrix import NIO_STORE_LOCK

        async def go() -> Any:
            return await work(self.client)

        # The bot's steps and this client's nio store must not run at once (see the lock).
        with NIO_STORE_LOCK:
            return asyncio.run_coroutine_threadsafe(go(), self.loop).result(60)

    def close(self) -> None:
        self._run(lambda client: client.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    async def _sync(self, client: Any) -> None:
        from nio import MegolmEvent, RoomMessageText

        synced = await client.sync(timeout=0, since=client.next_batch or None, full_state=True)
        for room_id in synced.rooms.invite:
            await client.join(room_id)
        if client.should_upload_keys:
            await client.keys_upload()
        if client.should_query_keys:
            await client.keys_query()
        for room_id, room in synced.rooms.join.items():
            for e in room.timeline.events:
                if isinstance(e, RoomMessageText):
                    self.received.append(
                        Received(
                            room_id,
                            e.sender,
                            e.event_id,
                            e.body,
                            bool(getattr(e, "decrypted", False)),
                        )
                    )
                elif isinstance(e, MegolmEvent):
                    self.received.append(Received(room_id, e.sender, e.event_id, "", False))
        if synced.rooms.invite:
            await self._sync(client)

    def sync(self) -> None:
        self._run(self._sync)

    def open_direct_room(self, bot_user_id: str) -> str:
        async def work(client: Any) -> Any:
            created = await client.room_create(
                is_direct=True,
                invite=[bot_user_id],
                initial_state=[
                    {
                        "type": "m.room.encryption",
                        "state_key": "",
                        "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                    }
                ],
            )
            await self._sync(client)
            return created.room_id

        return str(self._run(work))

    def say(self, room_id: str, text: str) -> str:
        async def work(client: Any) -> Any:
            await self._sync(client)
            # A fresh outbound session each time: the bot's device may have appeared since.
            client.olm.outbound_group_sessions.pop(room_id, None)
            client.rooms[room_id].members_synced = False
            sent = await client.room_send(
                room_id,
                "m.room.message",
                {"msgtype": "m.text", "body": text},
                ignore_unverified_devices=True,
            )
            return sent.event_id

        return str(self._run(work))

    def send_file(self, room_id: str, name: str, data: bytes, mimetype: str) -> str:
        """An encrypted attachment (`m.image`/`m.file` with a `file` key), as Element sends."""
        import io

        async def work(client: Any) -> Any:
            await self._sync(client)
            uploaded, keys = await client.upload(
                io.BytesIO(data),
                content_type=mimetype,
                filename=name,
                encrypt=True,
                filesize=len(data),
            )
            file = {
                "url": uploaded.content_uri,
                "key": keys["key"],
                "iv": keys["iv"],
                "hashes": keys["hashes"],
                "v": "v2",
            }
            msgtype = "m.image" if mimetype.startswith("image/") else "m.file"
            content = {
                "msgtype": msgtype,
                "body": name,
                "file": file,
                "info": {"mimetype": mimetype, "size": len(data)},
            }
            client.rooms[room_id].members_synced = False
            sent = await client.room_send(
                room_id, "m.room.message", content, ignore_unverified_devices=True
            )
            return sent.event_id

        return str(self._run(work))

    def messages_from(self, sender: str) -> list[tuple[str, str]]:
        return [(r.room_id, r.text) for r in self.received_from(sender)]

    def received_from(self, sender: str) -> list[Received]:
        """Every text message from `sender` this client has seen so far (after a sync)."""
        self.sync()
        return [r for r in self.received if r.sender == sender]

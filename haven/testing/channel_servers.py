"""Loopback stand-ins for the providers Haven's channels talk to, written from their protocol
documents (none of them can run here: Telegram and Signal need real accounts, the SMS gateway a
phone). Each is a real HTTP server on 127.0.0.1 and a free port, in a thread; the adapters talk
to it with their real client libraries (aiogram, android-sms-gateway, requests).

- `SmsGatewayServer`: SMS Gateway for Android's 3rd-party API: `POST /messages` (Basic auth,
  `{"textMessage": {"text"}, "phoneNumbers": [...]}` -> `{"id", "state": "Pending",
  "recipients": [...]}`), `GET /health`. `webhook(...)` builds a signed `sms:received` /
  `sms:delivered` envelope as the phone would POST it.
- `TelegramBotServer`: the Bot API's `/bot<token>/<method>`: getMe, getUpdates (offset
  confirms and forgets earlier updates, as Telegram does), sendMessage, getFile and
  `/file/bot<token>/<path>`. `push_message(...)` queues an update from a person.
- `SignalCliServer`: signal-cli's `daemon --http`: `POST /api/v1/rpc` (JSON-RPC 2.0: send,
  receive, version) and `GET /api/v1/check`. `push_message(...)` queues an envelope.

`fail_next(n, status)` makes the next n sends fail with that status (to rehearse retries).
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from haven.channels.sms import signature


class _Server:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: list[dict[str, Any]] = []
        self._fail: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # no handle or text in any log
                pass

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _answer(self, status: int, payload: Any, raw: bytes | None = None) -> None:
                data = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header(
                    "Content-Type", "application/octet-stream" if raw else "application/json"
                )
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                outer.handle(self, "GET", b"")

            def do_POST(self) -> None:
                outer.handle(self, "POST", self._body())

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> _Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fail_next(self, count: int, status: int = 503) -> None:
        with self.lock:
            self._fail += [status] * count

    def _failure(self) -> int | None:
        with self.lock:
            return self._fail.pop(0) if self._fail else None

    def handle(self, handler: Any, method: str, body: bytes) -> None:
        raise NotImplementedError


class SmsGatewayServer(_Server):
    def __init__(self, *, login: str = "haven", password: str = "gateway-pass") -> None:  # noqa: S107  (a stand-in on loopback)
        super().__init__()
        self.auth = "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()
        self._ids = itertools.count(1)

    def handle(self, handler: Any, method: str, body: bytes) -> None:
        path = handler.path.split("?")[0]
        if method == "GET" and path.endswith("/health"):
            return handler._answer(200, {"status": "pass"})
        if method == "POST" and path.endswith("/messages"):
            if handler.headers.get("Authorization") != self.auth:
                return handler._answer(401, {"message": "unauthorized"})
            failure = self._failure()
            if failure:
                return handler._answer(failure, {"message": "failure drill"})
            message = json.loads(body)
            message_id = f"sms-{next(self._ids)}"
            numbers = message.get("phoneNumbers") or []
            with self.lock:
                self.sent.append(
                    {"id": message_id, "to": numbers, "text": message["textMessage"]["text"]}
                )
            return handler._answer(
                202,
                {
                    "id": message_id,
                    "state": "Pending",
                    "isHashed": False,
                    "isEncrypted": False,
                    "recipients": [
                        {"phoneNumber": n, "state": "Pending", "error": None} for n in numbers
                    ],
                },
            )
        return handler._answer(404, {"message": "not found"})

    @staticmethod
    def webhook(
        *,
        secret: str,
        event_id: str,
        phone: str = "",
        text: str = "",
        event: str = "sms:received",
        message_id: str = "",
        timestamp: int | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        payload: dict[str, Any] = {"messageId": message_id or event_id}
        if event == "sms:received":
            payload |= {
                "message": text,
                "phoneNumber": phone,
                "sender": phone,
                "simNumber": 1,
                "receivedAt": "2026-12-02T05:00:00.000+03:00",
            }
        else:
            payload |= {"phoneNumber": phone, "simNumber": 1}
        body = json.dumps(
            {
                "deviceId": "device-1",
                "event": event,
                "id": event_id,
                "payload": payload,
                "webhookId": "haven",
            }
        ).encode()
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        return body, {"X-Signature": signature(secret, body, stamp), "X-Timestamp": stamp}


class TelegramBotServer(_Server):
    def __init__(self, *, token: str = "123456:stand-in-token") -> None:  # noqa: S107  (a stand-in on loopback)
        super().__init__()
        self.token = token
        self.updates: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)

    def push_message(
        self, *, chat_id: int, text: str = "", language: str = "ru", photo: bytes | None = None
    ) -> int:
        update_id = next(self._update_ids)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "X", "language_code": language},
        }
        if photo is not None:
            file_id = f"file{update_id}"
            self.files[file_id] = photo
            message["photo"] = [
                {"file_id": file_id, "file_unique_id": file_id, "width": 1, "height": 1}
            ]
            if text:
                message["caption"] = text
        else:
            message["text"] = text
        with self.lock:
            self.updates.append({"update_id": update_id, "message": message})
        return update_id

    def handle(self, handler: Any, method: str, body: bytes) -> None:
        path = handler.path.split("?")[0]
        if path.startswith(f"/file/bot{self.token}/"):
            file_id = path.rsplit("/", 1)[-1]
            if file_id in self.files:
                return handler._answer(200, None, raw=self.files[file_id])
            return handler._answer(404, {"ok": False})
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return handler._answer(
                401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        name = path[len(prefix) :].lower()
        params = _form_or_json(handler, body)
        if name == "getme":
            return _ok(
                handler,
                {"id": 123456, "is_bot": True, "first_name": "Haven", "username": "haven_test_bot"},
            )
        if name == "getupdates":
            offset = int(params.get("offset") or 0)
            with self.lock:
                if offset:
                    # Telegram forgets every update below the offset a client confirms.
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                pending = list(self.updates)
            return _ok(handler, pending)
        if name == "sendmessage":
            failure = self._failure()
            if failure == 429:
                return handler._answer(
                    429,
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1},
                    },
                )
            if failure:
                return handler._answer(
                    failure, {"ok": False, "error_code": failure, "description": "drill"}
                )
            if str(params.get("chat_id")) == "403":
                return handler._answer(
                    403,
                    {
                        "ok": False,
                        "error_code": 403,
                        "description": "Forbidden: bot was blocked by the user",
                    },
                )
            message_id = next(self._message_ids)
            with self.lock:
                self.sent.append(
                    {
                        "id": message_id,
                        "to": str(params.get("chat_id")),
                        "text": params.get("text", ""),
                    }
                )
            return _ok(
                handler,
                {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": int(params.get("chat_id") or 0), "type": "private"},
                    "text": params.get("text", ""),
                },
            )
        if name == "getfile":
            file_id = params.get("file_id", "")
            if file_id not in self.files:
                return handler._answer(
                    400,
                    {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"},
                )
            return _ok(
                handler,
                {
                    "file_id": file_id,
                    "file_unique_id": file_id,
                    "file_size": len(self.files[file_id]),
                    "file_path": f"photos/{file_id}",
                },
            )
        return handler._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})


def _ok(handler: Any, result: Any) -> None:
    handler._answer(200, {"ok": True, "result": result})


def _form_or_json(handler: Any, body: bytes) -> dict[str, Any]:
    kind = handler.headers.get("Content-Type", "")
    if "json" in kind:
        return json.loads(body or b"{}")
    if "multipart/form-data" in kind:
        from email.parser import BytesParser
        from email.policy import HTTP

        parsed = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {kind}\r\n\r\n".encode() + body
        )
        fields: dict[str, Any] = {}
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            fields[str(name)] = (
                part.get_content().strip()
                if part.get_content_maintype() == "text"
                else part.get_payload(decode=True)
            )
        return fields
    from urllib.parse import parse_qsl

    return dict(parse_qsl(body.decode()))


class SignalCliServer(_Server):
    def __init__(self, *, account: str = "+10000000000") -> None:
        super().__init__()
        self.account = account
        self.envelopes: list[dict[str, Any]] = []
        self._stamps = itertools.count(int(time.time() * 1000))

    def push_message(self, *, number: str, text: str, uuid: str = "") -> int:
        stamp = next(self._stamps)
        with self.lock:
            self.envelopes.append(
                {
                    "envelope": {
                        "source": number,
                        "sourceNumber": number,
                        "sourceUuid": uuid or f"uuid-{number}",
                        "sourceDevice": 1,
                        "timestamp": stamp,
                        "dataMessage": {
                            "timestamp": stamp,
                            "message": text,
                            "expiresInSeconds": 0,
                            "attachments": [],
                        },
                    },
                    "account": self.account,
                }
            )
        return stamp

    def push_receipt(self, *, number: str, timestamps: list[int]) -> None:
        with self.lock:
            self.envelopes.append(
                {
                    "envelope": {
                        "source": number,
                        "sourceNumber": number,
                        "timestamp": next(self._stamps),
                        "receiptMessage": {
                            "when": 0,
                            "isDelivery": True,
                            "isRead": False,
                            "timestamps": timestamps,
                        },
                    },
                    "account": self.account,
                }
            )

    def handle(self, handler: Any, method: str, body: bytes) -> None:
        path = handler.path.split("?")[0]
        if method == "GET" and path == "/api/v1/check":
            return handler._answer(200, None, raw=b"")
        if method != "POST" or path != "/api/v1/rpc":
            return handler._answer(404, {})
        try:
            request = json.loads(body)
        except ValueError:
            return handler._answer(
                200,
                {"jsonrpc": "2.0", "error": {"code": -32700, "message": "parse error"}, "id": None},
            )
        rpc_id = request.get("id")
        params = request.get("params") or {}
        method_name = request.get("method")
        if not method_name:
            return handler._answer(
                200,
                {
                    "jsonrpc": "2.0",
                    "error": {"code": -32600, "message": "method field must be set", "data": None},
                    "id": None,
                },
            )
        if method_name == "version":
            return handler._answer(
                200, {"jsonrpc": "2.0", "result": {"version": "0.13.stand-in"}, "id": rpc_id}
            )
        if method_name == "receive":
            limit = int(params.get("maxMessages") or 100)
            with self.lock:
                batch, self.envelopes = self.envelopes[:limit], self.envelopes[limit:]
            return handler._answer(200, {"jsonrpc": "2.0", "result": batch, "id": rpc_id})
        if method_name == "send":
            failure = self._failure()
            if failure:
                return handler._answer(failure, {})
            recipients = params.get("recipient") or []
            if isinstance(recipients, str):
                recipients = [recipients]
            if any(r == "+19999999999" for r in recipients):
                return handler._answer(
                    200,
                    {
                        "jsonrpc": "2.0",
                        "error": {"code": -2, "message": "Unregistered user"},
                        "id": rpc_id,
                    },
                )
            stamp = next(self._stamps)
            with self.lock:
                self.sent.append({"id": stamp, "to": recipients, "text": params.get("message", "")})
            return handler._answer(
                200, {"jsonrpc": "2.0", "result": {"timestamp": stamp}, "id": rpc_id}
            )
        return handler._answer(
            200,
            {
                "jsonrpc": "2.0",
                "error": {"code": -32601, "message": "Method not implemented"},
                "id": rpc_id,
            },
        )

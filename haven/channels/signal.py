"""Signal through a signal-cli daemon's JSON-RPC interface (`signal-cli -a +NUMBER daemon
--http=127.0.0.1:PORT --receive-mode=manual`; man page signal-cli-jsonrpc(5)).

Out: `POST /api/v1/rpc` `{"jsonrpc": "2.0", "method": "send", "params": {"recipient":
["+..."], "message": "..."}, "id": ...}` answers `{"result": {"timestamp": ...}}`; the
timestamp is the sent message's id (receipts name it).

In: polled with the `receive` command (`{"method": "receive", "params": {"timeout": 1,
"maxMessages": 1}}`), which answers a list of `{"envelope": {...}, "account": ...}`. An
envelope with a `dataMessage` is a message (its `source`/`sourceNumber`, `timestamp`,
`dataMessage.message`); a `receiptMessage` is a delivery receipt for our `timestamps`. The
provider id is the sender's uuid (or number) with the envelope timestamp: unique per message.

signal-cli acknowledges a message to Signal's server when it hands it out, so Signal gives no
second chance: envelopes are taken one per `receive` (RECEIVE_BATCH) and each is ingested and
committed before the next is asked for, so a gateway killed mid-poll can lose at most the one
message it was holding (docs/intake.md says so). A poll that got one asks again at once (the
gateway's step loop), so a burst costs one loopback call per message, not a wait.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import requests
from django.utils.translation import gettext_noop

from haven.channels.adapters import (
    Adapter,
    Health,
    Inbound,
    Outbound,
    PermanentSendError,
    Poll,
    RetryableSendError,
    normalise_phone,
    register,
)
from haven.channels.problems import record

TIMEOUT = 20.0
# Envelopes per `receive`: signal-cli acknowledges what it hands out, so this is what a crash
# between the answer and the commit could lose (it was 20).
RECEIVE_BATCH = 1
_ids = itertools.count(1)

# Errors signal-cli reports for a recipient who cannot get messages (JSON-RPC error codes of
# its "send" command: -1 user error, -2 unregistered user / untrusted identity ...).
PERMANENT_CODES = {-32600, -32601, -32602, -1, -2, -3}


class SignalRpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


@register
class SignalAdapter(Adapter):
    kind = "signal"
    label = "Signal"
    mode = "poll"
    config_fields = {"base_url": False, "account": False}

    # Delivery receipts seen in the last poll: (timestamp of our message, failed?)
    reports: list[tuple[str, bool]]

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        self.reports = []
        self._session = requests.Session()

    def normalise_handle(self, handle: str) -> str:
        if handle.startswith("+") or handle.replace(" ", "").isdigit():
            return normalise_phone(handle)
        return handle.strip().lower()  # a Signal uuid or username

    def _rpc(self, method: str, params: dict[str, Any]) -> Any:
        if self.config.get("account"):
            params = {"account": self.config["account"], **params}
        body: dict[str, Any] = {
            "jsonrpc": "2.0",
            "method": method,
            "params": params,
            "id": next(_ids),
        }
        url = self.config.get("base_url", "").rstrip("/") + "/api/v1/rpc"
        response = self._session.post(url, json=body, timeout=TIMEOUT)
        if response.status_code >= 500:
            raise RetryableSendError(
                gettext_noop("signal-cli answered %(status)s"), status=response.status_code
            )
        if response.status_code != 200:
            raise PermanentSendError(
                gettext_noop("signal-cli answered %(status)s"), status=response.status_code
            )
        answer = response.json()
        if answer.get("error"):
            error = answer["error"]
            raise SignalRpcError(int(error.get("code", 0)), "signal-cli reported an error")
        return answer.get("result")

    def send(self, message: Outbound) -> str:
        try:
            result = self._rpc("send", {"recipient": [message.to], "message": message.text})
        except SignalRpcError as exc:
            if exc.code in PERMANENT_CODES:
                raise PermanentSendError(
                    gettext_noop("signal-cli refused the message (%(code)s)"), code=exc.code
                ) from None
            raise RetryableSendError(
                gettext_noop("signal-cli failed to send (%(code)s)"), code=exc.code
            ) from None
        except requests.RequestException as exc:
            raise RetryableSendError(
                gettext_noop("signal-cli could not be reached (%(error)s)"),
                error=type(exc).__name__,
            ) from None
        return str((result or {}).get("timestamp", ""))

    def poll(self, cursor: str) -> Poll:
        result = self._rpc("receive", {"timeout": 1, "maxMessages": RECEIVE_BATCH}) or []
        messages = []
        newest = cursor
        for item in result:
            envelope = item.get("envelope") if isinstance(item, dict) else None
            if not isinstance(envelope, dict):
                continue
            receipt = envelope.get("receiptMessage")
            if isinstance(receipt, dict) and receipt.get("isDelivery"):
                self.reports += [(str(t), False) for t in receipt.get("timestamps") or []]
            data = envelope.get("dataMessage")
            if not isinstance(data, dict) or not data.get("message"):
                continue
            source = envelope.get("sourceNumber") or envelope.get("source") or ""
            who = envelope.get("sourceUuid") or source
            timestamp = str(envelope.get("timestamp", ""))
            if not source or not timestamp:
                continue
            messages.append(
                Inbound(
                    kind=self.kind,
                    provider_id=f"{who}:{timestamp}",
                    sender=str(source),
                    text=str(data["message"]),
                )
            )
            newest = max(newest, timestamp.zfill(16))
        return Poll(messages, newest)

    def health(self) -> Health:
        url = self.config.get("base_url", "").rstrip("/") + "/api/v1/check"
        try:
            response = self._session.get(url, timeout=TIMEOUT)
        except requests.RequestException as exc:
            return Health(
                False, record(gettext_noop("unreachable (%(error)s)"), error=type(exc).__name__)
            )
        if response.status_code != 200:
            return Health(
                False,
                record(gettext_noop("the check answered %(status)s"), status=response.status_code),
            )
        try:
            version = self._rpc("version", {})
        except (SignalRpcError, RetryableSendError, PermanentSendError, requests.RequestException):
            return Health(True, record(gettext_noop("the daemon is running")))
        return Health(
            True,
            record(
                gettext_noop("signal-cli %(version)s"), version=(version or {}).get("version", "?")
            ),
        )

    def close(self) -> None:
        self._session.close()

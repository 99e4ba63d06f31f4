"""SMS through an Android phone running SMS Gateway for Android (android-sms-gateway).

In: the phone (or its cloud relay) POSTs webhooks to `/channels/hook/<channel id>/`: an
envelope `{"id", "event", "deviceId", "payload", "webhookId"}`, signed with the webhook
signing key: `X-Signature` is the hex HMAC-SHA256 of the raw body followed by the
`X-Timestamp` header (Unix seconds). `sms:received` carries `messageId`, `message`,
`phoneNumber`, `receivedAt`; its `messageId` is derived from the content and not unique, so
the envelope's `id` (the same on every retry of one event) is the provider id here.
`sms:delivered` / `sms:failed` report what happened to a message we sent.

Out: the official client (`android_sms_gateway.APIClient`) against the gateway's 3rd-party API
(`POST {base_url}/messages` with Basic auth), which answers the message's id and state.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

import requests
from android_sms_gateway import APIClient, domain, errors
from android_sms_gateway.http import RequestsHttpClient
from django.utils.translation import gettext_noop

from haven.channels.adapters import (
    Adapter,
    Health,
    Inbound,
    Outbound,
    PermanentSendError,
    RetryableSendError,
    WebhookRejected,
    normalise_phone,
    register,
)
from haven.channels.problems import record

TIMEOUT = 15.0
# A signed request older (or newer) than this is refused: a captured webhook cannot be replayed
# later (and within the window, dedupe on the event id makes a replay harmless).
SIGNATURE_WINDOW = 300


class _TimeoutSession(requests.Session):
    """The client sets no timeout; a gateway that does not answer must not hold the worker."""

    def request(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


def signature(secret: str, body: bytes, timestamp: str) -> str:
    return hmac.new(secret.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


@register
class SmsGatewayAdapter(Adapter):
    kind = "sms"
    label = "SMS"
    mode = "webhook"
    config_fields = {"base_url": False, "login": False, "password": True, "signing_key": True}

    # Delivery reports (provider id, failed?) the webhook view hands to mark_delivered.
    reports: list[tuple[str, bool]]

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        self.reports = []

    def normalise_handle(self, handle: str) -> str:
        return normalise_phone(handle)

    def _client(self) -> APIClient:
        return APIClient(
            self.config.get("login") or None,
            self.config.get("password", ""),
            base_url=self.config.get("base_url", ""),
            http=RequestsHttpClient(_TimeoutSession()),
        )

    def send(self, message: Outbound) -> str:
        if not self.config.get("login") or not self.config.get("password"):
            # The client library's own ValueError reached triage as "unexpected error"; retried,
            # so that replies go once an operator sets them (`haven channels`).
            raise RetryableSendError(gettext_noop("the SMS channel has no login and password set"))
        client = self._client()
        try:
            state = client.send(
                domain.Message(
                    phone_numbers=[message.to],
                    text_message=domain.TextMessage(text=message.text),
                    with_delivery_report=True,
                )
            )
        except errors.APIError as exc:
            status = exc.status_code or 0
            if status == 429 or status >= 500:
                raise RetryableSendError(
                    gettext_noop("the SMS gateway answered %(status)s"), status=status
                ) from None
            raise PermanentSendError(
                gettext_noop("the SMS gateway refused the message (%(status)s)"), status=status
            ) from None
        except requests.RequestException as exc:
            raise RetryableSendError(
                gettext_noop("the SMS gateway could not be reached (%(error)s)"),
                error=type(exc).__name__,
            ) from None
        finally:
            client.http._session.close()
        return state.id

    def parse_webhook(self, *, headers: Mapping[str, str], body: bytes) -> list[Inbound]:
        secret = self.config.get("signing_key", "")
        given = headers.get("X-Signature", "")
        timestamp = headers.get("X-Timestamp", "")
        if not secret or not given or not timestamp.isdigit():
            raise WebhookRejected("unsigned webhook")
        if abs(time.time() - int(timestamp)) > SIGNATURE_WINDOW:
            raise WebhookRejected("webhook timestamp outside the window")
        if not hmac.compare_digest(signature(secret, body, timestamp), given.lower()):
            raise WebhookRejected("bad webhook signature")
        try:
            envelope = json.loads(body)
            event = envelope["event"]
            payload = envelope["payload"]
            event_id = str(envelope["id"])
        except (ValueError, KeyError, TypeError):
            raise WebhookRejected("malformed webhook") from None
        if event in ("sms:delivered", "sms:failed"):
            self.reports.append((str(payload.get("messageId", "")), event == "sms:failed"))
            return []
        if event != "sms:received":
            return []
        try:
            return [
                Inbound(
                    kind=self.kind,
                    provider_id=event_id,
                    sender=str(payload["phoneNumber"]),
                    text=str(payload["message"]),
                )
            ]
        except (KeyError, TypeError):
            raise WebhookRejected("malformed webhook") from None

    def health(self) -> Health:
        session = _TimeoutSession()
        try:
            response = session.get(self.config.get("base_url", "").rstrip("/") + "/health")
        except requests.RequestException as exc:
            return Health(
                False, record(gettext_noop("unreachable (%(error)s)"), error=type(exc).__name__)
            )
        finally:
            session.close()
        if response.status_code != 200:
            return Health(
                False,
                record(
                    gettext_noop("the health check answered %(status)s"),
                    status=response.status_code,
                ),
            )
        return Health(True, record(gettext_noop("the gateway answers")))

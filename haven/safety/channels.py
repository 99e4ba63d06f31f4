"""Sending alerts through Apprise, and the delivery fan-out for every queued notification.

Two channels of our own are registered with Apprise (through its plugin decorator, so they go
through the same code path as Signal or e-mail): `outbox://` keeps messages in memory (tests and
`haven demo` read them; nothing leaves the process) and `failing://` always fails (to rehearse
the failure path). Tests never touch the network.

A channel address is a secret (tokens, phone numbers, e-mail addresses). It is stored encrypted
under the delivery key the worker holds (`haven.vault.worker_keys`), shown to nobody after it is
saved, and never logged: Apprise's own log lines (which may repeat a recipient, a host or a
token) go nowhere (the `apprise` logger in settings.LOGGING has only a null handler).
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import apprise
from apprise.decorators import notify as apprise_plugin
from django.conf import settings
from django.dispatch import receiver

from haven.alerts.models import Notification
from haven.alerts.signals import notifications_created
from haven.vault.worker_keys import open_for_worker, seal_for_worker

OUTBOX: list[dict[str, str]] = []


@apprise_plugin(on="outbox", name="Haven outbox (tests and demo)")
def _outbox(body: str, title: str, *args: Any, meta: dict[str, Any], **kwargs: Any) -> bool:
    OUTBOX.append({"to": str(meta.get("url", "")), "title": title, "body": body})
    return True


@apprise_plugin(on="failing", name="Haven failure drill")
def _failing(body: str, title: str, *args: Any, **kwargs: Any) -> bool:
    return False


def seal_url(channel_id: Any, url: str) -> bytes:
    return seal_for_worker(url, binding=f"channel|{channel_id}")


def open_url(channel: Any) -> str:
    return open_for_worker(bytes(channel.encrypted_url), binding=f"channel|{channel.id}")


def is_valid_url(url: str) -> bool:
    """Apprise knows this kind of address and can parse it (no network is touched)."""
    return bool(apprise.Apprise().add(url))


def message_for(notification: Notification) -> tuple[str, str]:
    """Title and body of an alert: the kind, a reference and a link. Never a name, place or
    free text (invariant 4); a test reads every payload."""
    kind = (
        str(Notification.Kind(notification.kind).label)
        if notification.kind in Notification.Kind.values
        else notification.kind
    )
    link = settings.HAVEN_BASE_URL.rstrip("/") + (notification.link or "/staff/notifications/")
    return f"Haven: {kind}", f"{kind} — {notification.reference}\n{link}"


def send(url: str, title: str, body: str) -> bool:
    """Hand one message to one channel."""
    sender = apprise.Apprise()
    if not sender.add(url):
        return False
    return bool(sender.notify(title=title, body=body))


def send_many(jobs: Iterable[tuple[str, str, str]]) -> list[bool]:
    """Send several messages at once, so one slow or hanging channel (a mail server that does not
    answer) does not hold back the alarms queued behind it. Exceptions count as failures."""
    jobs = list(jobs)
    if not jobs:
        return []

    def one(job: tuple[str, str, str]) -> bool:
        try:
            return send(*job)
        except Exception:  # noqa: BLE001  (a broken channel must not stop the others)
            return False

    if len(jobs) == 1:
        return [one(jobs[0])]
    with ThreadPoolExecutor(max_workers=min(len(jobs), settings.HAVEN_DELIVERY_THREADS)) as pool:
        return list(pool.map(one, jobs))


@receiver(notifications_created)
def fan_out(sender: Any, notifications: list[Notification], **kwargs: Any) -> None:
    """One delivery per channel of each recipient, committed with the notification itself."""
    from haven.safety.models import Channel, Delivery

    recipients = {n.recipient_id for n in notifications}
    channels: dict[Any, list[Channel]] = {}
    for channel in Channel.objects.filter(user_id__in=recipients).order_by(
        "priority", "created_at"
    ):
        channels.setdefault(channel.user_id, []).append(channel)
    rows = []
    for n in notifications:
        for channel in channels.get(n.recipient_id, [])[:1]:  # the first channel; others on failure
            rows.append(Delivery(notification=n, channel=channel))
    Delivery.objects.bulk_create(rows)

"""Sending alerts through Apprise, and the delivery fan-out for every queued notification.

Two built-in channels exist for tests and drills: `outbox://` (kept in memory, read by tests and
`haven demo`) and `failing://` (always fails, to rehearse the failure path)."""

from __future__ import annotations

from typing import Any

import apprise
from django.conf import settings
from django.dispatch import receiver

from haven.alerts.models import Notification
from haven.alerts.signals import notifications_created
from haven.vault.worker_keys import open_for_worker, seal_for_worker

OUTBOX: list[dict[str, str]] = []


def seal_url(channel_id: Any, url: str) -> bytes:
    return seal_for_worker(url, binding=f"channel|{channel_id}")


def open_url(channel: Any) -> str:
    return open_for_worker(bytes(channel.encrypted_url), binding=f"channel|{channel.id}")


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
    if url.startswith("outbox://"):
        OUTBOX.append({"to": url, "title": title, "body": body})
        return True
    if url.startswith("failing://"):
        return False
    sender = apprise.Apprise()
    if not sender.add(url):
        return False
    return bool(sender.notify(title=title, body=body))


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

"""A staff member's own alert channels: where their alarms are delivered."""

from __future__ import annotations

from django.db import transaction

from haven.accounts.models import User
from haven.audit.log import log_event
from haven.safety.channels import seal_url
from haven.safety.models import Channel


def add_channel(*, actor: User, label: str, url: str, priority: int) -> Channel:
    """A new place for the actor's own alerts. The Apprise URL is sealed under the delivery key
    before the row is written; the audit row keeps neither the label nor the URL."""
    with transaction.atomic():
        channel = Channel(user=actor, label=label, priority=priority)
        channel.encrypted_url = seal_url(channel.id, url)
        channel.save()
        log_event(
            actor=actor,
            action="channel.add",
            object_type="channel",
            object_id=str(channel.id),
            data={"priority": priority},
        )
    return channel


def remove_channel(*, actor: User, channel: Channel) -> None:
    """Delete one of the actor's channels (the access function has checked that it is theirs)."""
    with transaction.atomic():
        channel_id = str(channel.id)
        channel.delete()
        log_event(actor=actor, action="channel.remove", object_type="channel", object_id=channel_id)

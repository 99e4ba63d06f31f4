from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from haven.alerts.models import Notification
from haven.alerts.signals import notifications_created
from haven.audit.log import log_event


def notify(
    *, recipients: Iterable[object], kind: str, reference: str = "", link: str = ""
) -> list[Notification]:
    """Queue one notification per recipient. `reference` is a case or account reference code;
    `link` a path inside the staff interface. Nothing identifying goes in either."""
    rows = [
        Notification(recipient=r, kind=kind, reference=reference[:96], link=link[:255])  # type: ignore[misc]
        for r in recipients
    ]
    with transaction.atomic():
        Notification.objects.bulk_create(rows)
        notifications_created.send(sender=Notification, notifications=rows)
    return rows


def notify_role(
    *, role: str, kind: str, reference: str = "", link: str = "", exclude: object = None
) -> list[Notification]:
    # The user model through Django, not haven.accounts: accounts sends alerts, so alerts sits
    # below it and imports nothing of it.
    users = get_user_model().objects.filter(role_assignments__role=role, is_active=True).distinct()
    if exclude is not None:
        users = users.exclude(pk=getattr(exclude, "pk", exclude))
    return notify(recipients=users, kind=kind, reference=reference, link=link)


def announce_checkpoint(checkpoint: Any) -> None:
    """An audit checkpoint goes to the coordinators' channels, who keep it off the server (the
    `audit_checkpoint_issued` hook of haven.audit.checkpoint)."""
    notify_role(
        role="coordinator",
        kind="audit_checkpoint",
        reference=checkpoint.alert_reference,
        link="/staff/notifications/",
    )


def mark_notifications_read(*, actor: Any) -> int:
    """Mark all of the actor's unread notifications read; returns how many."""
    with transaction.atomic():
        count = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if count:
            log_event(
                actor=actor,
                action="notifications.read",
                object_type="user",
                object_id=str(actor.pk),
                data={"notifications": count},
            )
    return count

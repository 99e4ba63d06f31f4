"""A staff member's own notifications: the only ones anyone is shown."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from haven.alerts.models import Notification


def notifications_for_user(request: Any, limit: int = 1000) -> QuerySet[Notification] | list[Any]:
    """Newest first. Under duress, none: the real alarms are never shown to whoever watches."""
    if request.keyring.duress:
        return []
    return Notification.objects.filter(recipient_id=request.user.pk)[:limit]

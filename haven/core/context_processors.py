from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from haven.core.registry import nav_items


def staff_navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"staff_nav": []}
    items = []
    for item in nav_items():
        if item.roles and not user.has_role(*item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append(
            {
                "url": url,
                "label": item.label,
                "active": request.path.startswith(url) and url != "/staff/",
            }
        )
    unread = 0
    if not getattr(getattr(request, "keyring", None), "duress", False):
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {"staff_nav": items, "unread_notifications": unread}

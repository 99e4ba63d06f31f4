from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from haven.core.registry import nav_items


@functools.lru_cache(maxsize=256)
def _url(url_name: str, prefix: str, urlconf: Any) -> str | None:
    """The menu's URLs, reversed once per process, script prefix and URL configuration (every
    staff page reversed them all again: measured in issue 16)."""
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def staff_navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"staff_nav": []}
    items = []
    for item in nav_items():
        if item.roles and not user.has_role(*item.roles):
            continue
        url = _url(item.url_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
        if url is None:
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

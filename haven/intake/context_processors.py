from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


def portal(request: HttpRequest) -> dict[str, Any]:
    """The quick-exit address (through /exit/ when a codename session must end on the way out),
    and links other apps add for a signed-in portal visitor
    (AppConfig.portal_nav = [(url_name, label)]), and the panic button's address, which every
    signed-in page shows."""
    links = []
    quick_exit = settings.HAVEN_QUICK_EXIT_URL
    panic_url = ""
    if getattr(request, "portal", None) is not None:
        quick_exit = reverse("intake-exit")
        try:
            panic_url = reverse("safety-panic")
        except NoReverseMatch:
            panic_url = ""
        for config in apps.get_app_configs():
            for url_name, label in getattr(config, "portal_nav", ()):
                try:
                    links.append({"url": reverse(url_name), "label": label})
                except NoReverseMatch:
                    continue
    return {"quick_exit_url": quick_exit, "portal_links": links, "panic_url": panic_url}

"""The delivery key must be real in production: without it, channel addresses would be sealed
under a key derived from the site secret, and a copy of settings plus the database reads them."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security)
def delivery_key(app_configs: Any, **kwargs: Any) -> list[Error]:
    configured = getattr(settings, "HAVEN_DELIVERY_KEY", "")
    hint = "Generate one with `python -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'`."
    if configured:
        try:
            raw = base64.urlsafe_b64decode(configured.encode())
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            return [
                Error(
                    "HAVEN_DELIVERY_KEY must be 32 random bytes in url-safe base64.",
                    hint=hint,
                    id="haven.E050",
                )
            ]
        return []
    if getattr(settings, "PRODUCTION", False):
        return [
            Error(
                "HAVEN_DELIVERY_KEY (or HAVEN_DELIVERY_KEY_FILE) is not set: alert channel "
                "addresses would be sealed under a key derived from the site secret.",
                hint=hint,
                id="haven.E051",
            )
        ]
    return []


@register(Tags.security)
def watchdog_addresses(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """A production installation whose watchdog can tell nobody has no dead-man's switch for
    its dead-man's switch (docs/operations.md "The watchdog")."""
    if getattr(settings, "PRODUCTION", False) and not settings.HAVEN_WATCHDOG_URLS.strip():
        return [
            Warning(
                "HAVEN_WATCHDOG_URLS is empty: nobody is told when the worker stops.",
                hint="Set one or more Apprise addresses of the coordinators (not the same "
                "service as their alert channels, if you can), and enable haven-watchdog.timer.",
                id="haven.W080",
            )
        ]
    return []

"""A malformed audit signing key fails at start-up, not at the first checkpoint in the night."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security)
def audit_signing_key(app_configs: Any, **kwargs: Any) -> list[Error]:
    # Unset is allowed: the key is then derived from the secret key (docs/security.md says why
    # that is no weaker here: both live on the server, and witnesses do not rely on secrecy).
    configured = getattr(settings, "HAVEN_AUDIT_SIGNING_KEY", "")
    if not configured:
        return []
    try:
        raw = base64.urlsafe_b64decode(configured.encode())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) == 32:
        return []
    return [
        Error(
            "HAVEN_AUDIT_SIGNING_KEY must be 32 random bytes in url-safe base64.",
            hint="Generate one with `python -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'`.",
            id="haven.E060",
        )
    ]

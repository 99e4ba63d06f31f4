"""System checks that refuse to start production without its secrets."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def production_secrets(app_configs: Any, **kwargs: Any) -> list[Error]:
    if not getattr(settings, "PRODUCTION", False):
        return []
    errors = []
    if not settings.SECRET_KEY or settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        errors.append(
            Error(
                "HAVEN_SECRET_KEY (or HAVEN_SECRET_KEY_FILE) is not set.",
                hint="Generate one with `python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
                id="haven.E001",
            )
        )
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        errors.append(Error("Production runs on PostgreSQL: set DATABASE_URL.", id="haven.E002"))
    if not settings.SESSION_COOKIE_SECURE:
        errors.append(
            Error("Production cookies must be Secure (HAVEN_SECURE_COOKIES=1).", id="haven.E003")
        )
    if settings.DEBUG:
        errors.append(
            Error(
                "HAVEN_DEBUG must be off in production: error pages would show data.",
                id="haven.E004",
            )
        )
    if settings.HAVEN_ARGON2_MEMLIMIT < 256 * 1024 * 1024 or settings.HAVEN_ARGON2_OPSLIMIT < 3:
        errors.append(Error("Argon2id below 256 MiB / 3 passes in production.", id="haven.E005"))
    return errors

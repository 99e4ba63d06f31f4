"""The delivery key: the one key the worker holds. It encrypts alert-channel addresses (Apprise
URLs carry tokens and phone numbers) so that they are not readable from the database alone. It
comes from the environment (HAVEN_DELIVERY_KEY or HAVEN_DELIVERY_KEY_FILE), never the database;
without one, a key derived from SECRET_KEY is used (development)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.conf import settings

from haven.vault import crypto


def _key() -> bytes:
    configured = getattr(settings, "HAVEN_DELIVERY_KEY", "")
    if configured:
        return base64.urlsafe_b64decode(configured.encode())[:32]
    return hmac.new(settings.SECRET_KEY.encode(), b"haven-delivery-key", hashlib.sha256).digest()


def seal_for_worker(text: str, *, binding: str) -> bytes:
    return crypto.aead_encrypt(_key(), text.encode("utf-8"), f"worker|{binding}".encode())


def open_for_worker(blob: bytes, *, binding: str) -> str:
    return crypto.aead_decrypt(_key(), bytes(blob), f"worker|{binding}".encode()).decode("utf-8")

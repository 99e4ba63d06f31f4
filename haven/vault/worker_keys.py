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


# --- keyed digests ------------------------------------------------------------------------------
# A short secret (a 4-6 digit check-in PIN) gains nothing from a slow hash: 10^6 guesses of any
# hash are seconds. What protects it at rest is a key the database does not hold. Each purpose
# gets its own sub-key of the delivery key, so a digest made for one use never verifies another.


def _subkey(purpose: str) -> bytes:
    return hmac.new(_key(), f"haven-keyed-digest|{purpose}".encode(), hashlib.sha256).digest()


def keyed_digest(purpose: str, message: bytes) -> bytes:
    """BLAKE2b-256 of `message` keyed by the delivery key's sub-key for `purpose` (microseconds)."""
    return hashlib.blake2b(message, key=_subkey(purpose), digest_size=32).digest()


def keyed_digest_key_id(purpose: str) -> str:
    """A short public name of that sub-key: a digest stored beside it tells, after the delivery
    key was changed, that it was made under another key (rather than failing as "wrong")."""
    return hashlib.blake2b(b"key-id", key=_subkey(purpose), digest_size=4).hexdigest()

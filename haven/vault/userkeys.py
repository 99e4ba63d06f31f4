"""Staff key pairs: wrapped by Argon2id(password) at rest, by a cookie secret during a session."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from django.conf import settings

from haven.vault import crypto
from haven.vault.models import UserKey

if TYPE_CHECKING:
    from haven.accounts.models import User


def _aad(user_id: object) -> bytes:
    return f"user-key|{user_id}".encode()


def _wrap(user: User, private_key: bytes, password: str) -> dict:
    salt = crypto.random_salt()
    ops, mem = settings.HAVEN_ARGON2_OPSLIMIT, settings.HAVEN_ARGON2_MEMLIMIT
    kek = crypto.derive_key(password.encode("utf-8"), salt, opslimit=ops, memlimit=mem)
    return {
        "wrapped_private_key": crypto.aead_encrypt(kek, private_key, _aad(user.pk)),
        "salt": salt,
        "opslimit": ops,
        "memlimit": mem,
    }


def create_user_key(user: User, password: str) -> UserKey:
    """A fresh key pair for `user`. Any grants sealed to an older key become useless."""
    pair = crypto.KeyPair.generate()
    UserKey.objects.filter(user=user).delete()
    return UserKey.objects.create(
        user=user, public_key=pair.public, **_wrap(user, pair.private, password)
    )


def unwrap_user_key(user: User, password: str) -> bytes | None:
    """The private key if `password` is right, else None. Costs one Argon2id either way."""
    key = UserKey.objects.filter(user=user).first()
    if key is None:
        burn_time_like_a_login()
        return None
    kek = crypto.derive_key(
        password.encode("utf-8"), bytes(key.salt), opslimit=key.opslimit, memlimit=key.memlimit
    )
    try:
        return crypto.aead_decrypt(kek, bytes(key.wrapped_private_key), _aad(user.pk))
    except crypto.CryptoError:
        return None


def rewrap_user_key(user: User, private_key: bytes, new_password: str) -> None:
    UserKey.objects.filter(user=user).update(**_wrap(user, private_key, new_password))


def burn_time_like_a_login() -> None:
    """Spend one Argon2id so that an unknown user name costs as much as a known one."""
    crypto.derive_key(
        b"x",
        b"\x00" * crypto.SALT_BYTES,
        opslimit=settings.HAVEN_ARGON2_OPSLIMIT,
        memlimit=settings.HAVEN_ARGON2_MEMLIMIT,
    )


def wrap_for_session(private_key: bytes, session_binding: str) -> tuple[str, str]:
    """Split the private key between the browser and the server for one session: the server
    keeps only ciphertext, the browser only the random key that opens it (an HttpOnly cookie).
    Returns (cookie_secret, server_ciphertext), both text."""
    secret = secrets.token_bytes(crypto.KEY_BYTES)
    blob = crypto.aead_encrypt(secret, private_key, f"session|{session_binding}".encode())
    return base64.urlsafe_b64encode(secret).decode(), base64.b64encode(blob).decode()


def unwrap_from_session(
    cookie_secret: str, server_ciphertext: str, session_binding: str
) -> bytes | None:
    opened = open_session(cookie_secret, server_ciphertext, session_binding)
    return opened[0] if opened else None


def open_session(
    cookie_secret: str, server_ciphertext: str, session_binding: str
) -> tuple[bytes, bytes] | None:
    """(private key, cache key) of a session, or None if the cookie does not open it. The cache
    key seals the session's vault-key cache (`keyring.SessionKeyCache`)."""
    try:
        secret = base64.urlsafe_b64decode(cookie_secret.encode("ascii"))
        blob = base64.b64decode(server_ciphertext.encode("ascii"))
        if len(secret) != crypto.KEY_BYTES:
            return None
        private_key = crypto.aead_decrypt(secret, blob, f"session|{session_binding}".encode())
    except (ValueError, crypto.CryptoError):
        return None
    cache_key = hmac.new(secret, b"vault-key-cache", hashlib.sha256).digest()
    return private_key, cache_key

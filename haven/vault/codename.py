"""Codename identities: Argon2id turns a person's codename into a lookup identifier and an X25519
key pair. Replies are sealed to the public key; the private key exists only in a request where
the codename was typed, and in the portal session split between cookie and server."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import nacl.pwhash
from django.conf import settings
from django.db import models

from haven.vault import crypto
from haven.vault.keyring import _aad, _decode, _field


@dataclass(frozen=True)
class CodenameKeys:
    lookup_id: str
    public_key: bytes
    _private_key: bytes = field(repr=False)

    def unseal(self, obj: models.Model, name: str) -> Any:
        """Open a field sealed to this codename's vault (its public key must be ours)."""
        vault = obj.vault  # type: ignore[attr-defined]
        if bytes(vault.public_key) != self.public_key:
            raise crypto.CryptoError("this record was not sealed to this codename")
        f = _field(obj, name)
        blob = getattr(obj, name)
        if blob is None:
            return None
        raw = crypto.open_sealed(
            self._private_key, bytes(blob), _aad(obj, f), public_key=self.public_key
        )
        return _decode(f, raw)

    def session_blob(self, binding: str) -> tuple[str, str]:
        from haven.vault.userkeys import wrap_for_session

        return wrap_for_session(self._private_key, binding)


def derive(normalised_codename: str, salt: bytes) -> CodenameKeys:
    """One Argon2id of the normalised codename under the installation's salt."""
    raw = nacl.pwhash.argon2id.kdf(
        64,
        normalised_codename.encode("utf-8"),
        salt,
        opslimit=settings.HAVEN_CODENAME_ARGON2_OPSLIMIT,
        memlimit=settings.HAVEN_CODENAME_ARGON2_MEMLIMIT,
    )
    lookup_id = hashlib.sha256(b"haven-codename-lookup|" + raw[:32]).hexdigest()
    pair = crypto.KeyPair.from_seed(hashlib.sha256(b"haven-codename-x25519|" + raw[32:]).digest())
    return CodenameKeys(lookup_id, pair.public, pair.private)


def from_session(
    lookup_id: str, public_key: bytes, cookie_secret: str, blob: str, binding: str
) -> CodenameKeys | None:
    from haven.vault.userkeys import unwrap_from_session

    private_key = unwrap_from_session(cookie_secret, blob, binding)
    if private_key is None or crypto.public_key_of(private_key) != public_key:
        return None
    return CodenameKeys(lookup_id, public_key, private_key)


def new_salt() -> bytes:
    return crypto.random_salt()


# --- the same help form posted twice ------------------------------------------------------------
# A person whose connection dropped after pressing Send (common over Tor) presses it again, or the
# browser resends the form. Their request is already committed; they must see the same codename,
# or they hold a request they can never read. The codename is kept encrypted under a key derived
# from the form's random token, which lives only in the person's page: the server keeps a hash of
# the token to find the row and cannot open the codename without the token itself.


def form_token_lookup(form_token: str) -> str:
    return hashlib.sha256(b"haven-form-token-lookup|" + form_token.encode()).hexdigest()


def _form_token_key(form_token: str) -> bytes:
    return hashlib.sha256(b"haven-form-token-key|" + form_token.encode()).digest()


def seal_for_resubmission(form_token: str, codename: str) -> bytes:
    aad = form_token_lookup(form_token).encode()
    return crypto.aead_encrypt(_form_token_key(form_token), codename.encode("utf-8"), aad)


def open_for_resubmission(form_token: str, blob: bytes) -> str | None:
    aad = form_token_lookup(form_token).encode()
    try:
        return crypto.aead_decrypt(_form_token_key(form_token), bytes(blob), aad).decode("utf-8")
    except crypto.CryptoError:
        return None

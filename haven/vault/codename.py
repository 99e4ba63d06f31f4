"""Codename identities: a codename becomes a lookup identifier and an X25519 key pair. Replies
are sealed to the public key; the private key exists only in a request where the codename was
typed, and in the portal session split between cookie and server.

Two derivations exist (docs/security.md, "Codenames: a derivation fitted to their entropy"):

- `derive`, the current one: Argon2id at 1 MiB and 2 passes (about 1 ms). A codename carries at
  least 90 random bits, so offline guessing is hopeless at any per-guess cost; the small memory
  is kept only to make each guess on massively parallel hardware cost memory bandwidth rather
  than a hash core. Its parameters are fixed here, not settings: changing them would make every
  codename issued under them unfindable.
- `derive_legacy`, the one codenames were issued under before (Argon2id at
  HAVEN_CODENAME_ARGON2_*, 64 MiB by default). Used only to find and re-key an identity that has
  not signed in since; see haven/intake/portal.py."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import nacl.pwhash
from django.conf import settings
from django.db import models

from haven.vault import crypto
from haven.vault.keyring import _aad, _decode, _field

# The current derivation. Never change these in place: a new scheme needs a new version and a
# migration like the legacy one below.
KDF_OPSLIMIT = 2
KDF_MEMLIMIT = 1024 * 1024
# What `PortalIdentity.kdf` records: which derivation finds the identity.
LEGACY = 1
CURRENT = 2


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


def _keys(raw: bytes) -> CodenameKeys:
    lookup_id = hashlib.sha256(b"haven-codename-lookup|" + raw[:32]).hexdigest()
    pair = crypto.KeyPair.from_seed(hashlib.sha256(b"haven-codename-x25519|" + raw[32:]).digest())
    return CodenameKeys(lookup_id, pair.public, pair.private)


def derive(normalised_codename: str, salt: bytes) -> CodenameKeys:
    """The current derivation: Argon2id (1 MiB, 2 passes) of the normalised codename under the
    installation's salt. The input is prefixed, so that its output can never equal a legacy one."""
    raw = nacl.pwhash.argon2id.kdf(
        64,
        b"haven-codename-v2|" + normalised_codename.encode("utf-8"),
        salt,
        opslimit=KDF_OPSLIMIT,
        memlimit=KDF_MEMLIMIT,
    )
    return _keys(raw)


def derive_legacy(normalised_codename: str, salt: bytes) -> CodenameKeys:
    """The derivation codenames were issued under before: Argon2id at the installation's
    HAVEN_CODENAME_ARGON2_* parameters (64 MiB, 2 passes unless changed)."""
    raw = nacl.pwhash.argon2id.kdf(
        64,
        normalised_codename.encode("utf-8"),
        salt,
        opslimit=settings.HAVEN_CODENAME_ARGON2_OPSLIMIT,
        memlimit=settings.HAVEN_CODENAME_ARGON2_MEMLIMIT,
    )
    return _keys(raw)


# --- re-keying a legacy identity --------------------------------------------------------------
# Replies and the person's own copies are sealed to the legacy public key, and staff keep
# sealing replies to it (the codename vault's public key). So a migrated identity keeps its key
# pair: the private key is stored sealed under a key from the current derivation, bound to the
# identity's row. Nothing is re-sealed, no reply written during the migration can be lost, and
# the stored key is exactly as hard to reach as a new identity's (one current derivation).


def _wrap_key(current: CodenameKeys) -> bytes:
    return hashlib.sha256(b"haven-codename-legacy-wrap|" + current._private_key).digest()


def _wrap_aad(identity_id: object) -> bytes:
    return f"portal-identity-legacy-key|{identity_id}".encode()


def wrap_legacy_key(current: CodenameKeys, legacy: CodenameKeys, identity_id: object) -> bytes:
    return crypto.aead_encrypt(_wrap_key(current), legacy._private_key, _wrap_aad(identity_id))


def open_legacy_key(
    current: CodenameKeys, blob: bytes, identity_id: object, public_key: bytes
) -> CodenameKeys | None:
    """The identity's own (legacy) key pair under the current lookup id, or None if this
    codename does not open it."""
    try:
        private_key = crypto.aead_decrypt(_wrap_key(current), bytes(blob), _wrap_aad(identity_id))
    except crypto.CryptoError:
        return None
    if crypto.public_key_of(private_key) != public_key:
        return None
    return CodenameKeys(current.lookup_id, public_key, private_key)


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

"""The only module in Haven that touches key bytes and libsodium.

Formats are versioned by a leading byte so that parameters can change without breaking old rows.
Everything else in Haven goes through `haven.vault.keyring`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

import nacl.bindings as sodium
import nacl.exceptions
import nacl.pwhash
import nacl.utils
from nacl.public import PrivateKey, PublicKey, SealedBox

KEY_BYTES = 32
NONCE_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
SALT_BYTES = nacl.pwhash.argon2id.SALTBYTES
_AEAD_V1 = b"\x01"
_BOX_V1 = b"\x02"


class CryptoError(Exception):
    """A ciphertext failed to open: wrong key, tampered, or moved to another row or column."""


def random_key() -> bytes:
    return nacl.utils.random(KEY_BYTES)


def aead_encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = nacl.utils.random(NONCE_BYTES)
    ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, key)
    return _AEAD_V1 + nonce + ct


def aead_decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != _AEAD_V1:
        raise CryptoError("malformed ciphertext")
    nonce, ct = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(ct, aad, nonce, key)
    except nacl.exceptions.CryptoError as exc:
        raise CryptoError("ciphertext does not open") from exc


def derive_key(secret: bytes, salt: bytes, *, opslimit: int, memlimit: int) -> bytes:
    """Argon2id (libsodium crypto_pwhash) from a password or a codename."""
    return nacl.pwhash.argon2id.kdf(KEY_BYTES, secret, salt, opslimit=opslimit, memlimit=memlimit)


def random_salt() -> bytes:
    return nacl.utils.random(SALT_BYTES)


@dataclass(frozen=True)
class KeyPair:
    public: bytes
    private: bytes

    @classmethod
    def generate(cls) -> KeyPair:
        sk = PrivateKey.generate()
        return cls(public=bytes(sk.public_key), private=bytes(sk))

    @classmethod
    def from_seed(cls, seed: bytes) -> KeyPair:
        sk = PrivateKey.from_seed(seed)
        return cls(public=bytes(sk.public_key), private=bytes(sk))


def seal_to(public_key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """Anonymous sealed box to a public key. Sealed boxes take no associated data, so the binding
    (table, column, row) travels inside the plaintext and is checked on open."""
    framed = len(aad).to_bytes(2, "big") + aad + plaintext
    return _BOX_V1 + SealedBox(PublicKey(public_key)).encrypt(framed)


def open_sealed(private_key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    if not blob or blob[:1] != _BOX_V1:
        raise CryptoError("malformed sealed box")
    try:
        framed = SealedBox(PrivateKey(private_key)).decrypt(blob[1:])
    except nacl.exceptions.CryptoError as exc:
        raise CryptoError("sealed box does not open") from exc
    n = int.from_bytes(framed[:2], "big")
    if not hmac.compare_digest(framed[2 : 2 + n], aad):
        raise CryptoError("sealed box belongs to another record")
    return framed[2 + n :]


def blind_index(index_key: bytes, value: str, *, bits: int) -> str:
    """Truncated HMAC-SHA256 of a normalised search key. Truncation is deliberate: one value
    matches several rows, so the index alone does not prove who is in the database."""
    digest = hmac.new(index_key, value.encode("utf-8"), hashlib.sha256).digest()
    n = int.from_bytes(digest[:8], "big") >> (64 - bits)
    return f"{n:0{(bits + 3) // 4}x}"


def canonical_json(data: object) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

"""The package that travels between two organisations: sealed with age to the recipient's public
key (as backups are, pyrage), signed with the sender's Ed25519 key (PyNaCl, as audit checkpoints
are). One JSON document, as a file or as the body of a POST to the partner's inbox:

    {"format": "haven-partner-package", "v": 1,
     "id": "<uuid4>",                    unique: a package seen before is refused (replay)
     "type": "referral" | "answer" | "revocation" | "destruction",
     "sender": "<fingerprint of the sender's signing key>",
     "recipient": "<fingerprint of the age key it is sealed to>",
     "created": "<ISO 8601, UTC>",
     "in_reply_to": "<package id>" | "",  answers, revocations and destructions name a referral
     "code": "referral" | "transfer" | "accepted" | "rejected" | "completed" | "",
                                         readable without opening the seal
     "sealed_sha256": "<hex>",
     "sealed": "<base64 of the age ciphertext>",
     "signature": "<hex Ed25519 signature of every field above except sealed and signature>"}

The signature covers the sealed bytes through their SHA-256, so neither the header nor the sealed
content can be changed without the signature failing. What is outside the seal (ids, the two
fingerprints, times, the answer code) says nothing about a person; everything about a person is
inside it. This module is pure: no database, no settings; `haven.partners.actions` decides
who is known and what was seen before.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import nacl.exceptions
import nacl.signing
import pyrage

from haven.audit.canonical import canonical_json

FORMAT = "haven-partner-package"
VERSION = 1
TYPES = ("referral", "answer", "revocation", "destruction")
# A referral says whether it is a referral or a transfer; an answer what the partner decided.
CODES = ("", "referral", "transfer", "accepted", "rejected", "completed")
_HEADER = (
    "format",
    "v",
    "id",
    "type",
    "sender",
    "recipient",
    "created",
    "in_reply_to",
    "code",
    "sealed_sha256",
)


class PackageError(Exception):
    """A package that must be refused. `code` is stable and says nothing about its content:
    it is what the inbox answers and what the log keeps."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def fingerprint(public: bytes | str) -> str:
    """A short, stable name for a public key (signing key bytes or an age recipient string)."""
    data = public.encode() if isinstance(public, str) else bytes(public)
    return hashlib.sha256(data).hexdigest()[:32]


def new_age_identity() -> tuple[str, str]:
    """(secret identity string, public recipient string), as `age-keygen` would make."""
    identity = pyrage.x25519.Identity.generate()
    return str(identity), str(identity.to_public())


def new_signing_seed() -> bytes:
    return bytes(nacl.signing.SigningKey.generate())


def verify_key_hex(seed: bytes) -> str:
    return bytes(nacl.signing.SigningKey(seed).verify_key).hex()


def valid_age_recipient(value: str) -> bool:
    try:
        pyrage.x25519.Recipient.from_str(value.strip())
    except Exception:  # noqa: BLE001  (pyrage raises its own error types)
        return False
    return True


def valid_verify_key(value: str) -> bool:
    try:
        nacl.signing.VerifyKey(bytes.fromhex(value.strip()))
    except (ValueError, TypeError, nacl.exceptions.CryptoError):
        return False
    return True


@dataclass(frozen=True)
class Package:
    id: str
    type: str
    sender: str
    recipient: str
    created: str
    in_reply_to: str
    code: str
    sealed: bytes
    signature: str

    def header(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "v": VERSION,
            "id": self.id,
            "type": self.type,
            "sender": self.sender,
            "recipient": self.recipient,
            "created": self.created,
            "in_reply_to": self.in_reply_to,
            "code": self.code,
            "sealed_sha256": hashlib.sha256(self.sealed).hexdigest(),
        }

    def to_bytes(self) -> bytes:
        body = self.header()
        body["sealed"] = base64.b64encode(self.sealed).decode()
        body["signature"] = self.signature
        return canonical_json(body)

    @property
    def created_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.created)


def build(
    *,
    type: str,  # noqa: A002  (the field's name in the format)
    content: dict[str, Any],
    recipient_age: str,
    signing_seed: bytes,
    now: dt.datetime,
    in_reply_to: str = "",
    code: str = "",
    package_id: str | None = None,
) -> Package:
    """Seal `content` to `recipient_age` and sign the result with `signing_seed`."""
    if type not in TYPES or code not in CODES:
        raise ValueError("unknown package type or code")
    recipient = pyrage.x25519.Recipient.from_str(recipient_age.strip())
    sealed = pyrage.encrypt(canonical_json(content), [recipient])
    key = nacl.signing.SigningKey(signing_seed)
    unsigned = Package(
        id=package_id or str(uuid.uuid4()),
        type=type,
        sender=fingerprint(bytes(key.verify_key)),
        recipient=fingerprint(recipient_age.strip()),
        created=now.astimezone(dt.UTC).isoformat(timespec="seconds"),
        in_reply_to=in_reply_to,
        code=code,
        sealed=sealed,
        signature="",
    )
    signature = key.sign(canonical_json(unsigned.header())).signature.hex()
    return Package(**{**unsigned.__dict__, "signature": signature})


def parse(data: bytes) -> Package:
    """Read a package's structure; nothing is trusted yet (see `verify`)."""
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PackageError("bad_format") from exc
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise PackageError("bad_format")
    if body.get("v") != VERSION:
        raise PackageError("bad_version")
    fields = ("id", "type", "sender", "recipient", "created", "in_reply_to", "code")
    if not all(isinstance(body.get(k), str) for k in (*fields, "sealed", "signature")):
        raise PackageError("bad_format")
    try:
        uuid.UUID(body["id"])
        created = dt.datetime.fromisoformat(body["created"])
        sealed = base64.b64decode(body["sealed"], validate=True)
    except (ValueError, binascii.Error) as exc:
        raise PackageError("bad_format") from exc
    if created.tzinfo is None or body["type"] not in TYPES or body["code"] not in CODES:
        raise PackageError("bad_format")
    if body.get("sealed_sha256") != hashlib.sha256(sealed).hexdigest():
        raise PackageError("bad_signature")
    return Package(**{k: body[k] for k in fields}, sealed=sealed, signature=body["signature"])


def verify(package: Package, verify_key_hex: str) -> None:
    """The signature holds under the sender's key as the directory has it."""
    try:
        key = nacl.signing.VerifyKey(bytes.fromhex(verify_key_hex))
        key.verify(canonical_json(package.header()), bytes.fromhex(package.signature))
    except (ValueError, TypeError, nacl.exceptions.BadSignatureError) as exc:
        raise PackageError("bad_signature") from exc


def open_sealed(package: Package, age_identity: str) -> dict[str, Any]:
    """The sealed content, with the recipient's age identity."""
    try:
        identity = pyrage.x25519.Identity.from_str(age_identity.strip())
        content = json.loads(pyrage.decrypt(package.sealed, [identity]))
    except Exception as exc:  # noqa: BLE001  (pyrage raises its own error types)
        raise PackageError("cannot_open") from exc
    if not isinstance(content, dict):
        raise PackageError("cannot_open")
    return content

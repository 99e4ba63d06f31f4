"""Signed checkpoints of the audit chain's head, held by witnesses off the server.

The hash chain alone proves only that the rows agree with each other: whoever can write the
database can change a row, recompute every hash after it with `row_hash` and move the head, and
`verify_chain` then says intact. A checkpoint is (sequence number, hash of that row, time), signed
with Ed25519, and handed to places the server cannot rewrite afterwards:

- every coordinator's alert channel (sequence and hash only: nothing identifying, invariant 4),
- the offline backup recipients (the newest checkpoint is in each encrypted backup's manifest),
- a file an operator keeps (`haven audit checkpoint --to FILE` appends one line).

`verify_chain(witnesses=...)` then compares the chain with what the witnesses hold: a recomputed
chain disagrees at the first witnessed row after the change, and a chain cut below a witnessed
row no longer has that row.

The signing key comes from the environment (HAVEN_AUDIT_SIGNING_KEY or _FILE: a systemd
credential), never the database; without one it is derived from SECRET_KEY (development). The
worker needs it to sign unattended, so it is on the server: someone who seizes the whole server
can sign *new* checkpoints, even for a forged chain. What they cannot do is change the copies
witnesses already hold, and a re-signed forgery disagrees with those. The signature is what lets
a witness tell a real checkpoint from a made-up one (and two checkpoints signed for the same row
with different hashes are themselves proof of a rewrite).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from haven.audit.models import AuditCheckpoint, AuditHead
from haven.core.registry import call_hooks
from haven.vault.crypto import canonical_json

FORMAT = "haven-audit-checkpoint"
VERSION = 1


class WitnessError(Exception):
    """A witness file that cannot be read or whose signature does not hold."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str  # ISO 8601, UTC
    public_key: str = ""  # hex; empty for a bare "seq:hash" copied from an alert
    signature: str = ""  # hex

    def signed_payload(self) -> bytes:
        return canonical_json(
            {"format": FORMAT, "v": VERSION, "seq": self.seq, "hash": self.hash, "at": self.at}
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "v": VERSION,
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at,
            "public_key": self.public_key,
            "signature": self.signature,
        }

    @property
    def alert_reference(self) -> str:
        """What an alert carries: the row and its hash, nothing else."""
        return f"{self.seq}:{self.hash}"


# ---- the key ------------------------------------------------------------------------------------


def _signing_key() -> nacl.signing.SigningKey:
    configured = getattr(settings, "HAVEN_AUDIT_SIGNING_KEY", "")
    if configured:
        seed = base64.urlsafe_b64decode(configured.encode())
        if len(seed) != 32:
            raise ValueError("HAVEN_AUDIT_SIGNING_KEY must be 32 random bytes in url-safe base64")
    else:
        seed = hmac.new(
            settings.SECRET_KEY.encode(), b"haven-audit-signing-key", hashlib.sha256
        ).digest()
    return nacl.signing.SigningKey(seed)


def public_key_hex() -> str:
    return bytes(_signing_key().verify_key).hex()


# ---- issuing ------------------------------------------------------------------------------------


def _sign(seq: int, head_hash: str, at: dt.datetime) -> Checkpoint:
    key = _signing_key()
    unsigned = Checkpoint(seq=seq, hash=head_hash, at=at.astimezone(dt.UTC).isoformat())
    signature = key.sign(unsigned.signed_payload()).signature
    return Checkpoint(
        seq=unsigned.seq,
        hash=unsigned.hash,
        at=unsigned.at,
        public_key=bytes(key.verify_key).hex(),
        signature=signature.hex(),
    )


def issue_checkpoint(*, notify_coordinators: bool = True) -> Checkpoint | None:
    """Sign the current head, keep a record of it and send it to the coordinators' alert
    channels. None when the chain is still empty (there is nothing to witness)."""
    with transaction.atomic():
        # Locking the head: the checkpoint names a row that is committed and will not move.
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None or head.last_id == 0:
            return None
        checkpoint = _sign(head.last_id, head.last_hash, timezone.now())
        AuditCheckpoint.objects.create(
            seq=checkpoint.seq,
            hash=checkpoint.hash,
            created_at=dt.datetime.fromisoformat(checkpoint.at),
            public_key=checkpoint.public_key,
            signature=checkpoint.signature,
        )
        if notify_coordinators:
            # The alerts app sends it to the coordinators (a hook: audit imports no domain app).
            call_hooks("audit_checkpoint_issued", checkpoint)
    return checkpoint


def issue_if_due(now: dt.datetime | None = None) -> Checkpoint | None:
    """The worker's periodic checkpoint: at most one per HAVEN_AUDIT_CHECKPOINT_MINUTES, and
    none while the chain has not moved since the last one (an idle night sends nothing)."""
    minutes = settings.HAVEN_AUDIT_CHECKPOINT_MINUTES
    if minutes <= 0:
        return None
    now = now or timezone.now()
    last = AuditCheckpoint.objects.order_by("-created_at", "-id").first()
    head = AuditHead.objects.filter(pk=1).first()
    if head is None or head.last_id == 0:
        return None
    if last is not None:
        if now - last.created_at < dt.timedelta(minutes=minutes):
            return None
        if last.seq == head.last_id and last.hash == head.last_hash:
            return None
    return issue_checkpoint()


def latest_checkpoint() -> Checkpoint | None:
    row = AuditCheckpoint.objects.order_by("-created_at", "-id").first()
    if row is None:
        return None
    return Checkpoint(
        seq=row.seq,
        hash=row.hash,
        at=row.created_at.astimezone(dt.UTC).isoformat(),
        public_key=row.public_key,
        signature=row.signature,
    )


def append_to_file(path: Path, checkpoint: Checkpoint) -> None:
    """One JSON line per checkpoint: the operator's file grows into a history, and every line
    in it is checked by `verify --witness`."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(checkpoint.as_json(), sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


# ---- reading witnesses --------------------------------------------------------------------------


def _from_object(obj: Any) -> Checkpoint:
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise WitnessError("not a Haven audit checkpoint")
    try:
        checkpoint = Checkpoint(
            seq=int(obj["seq"]),
            hash=str(obj["hash"]),
            at=str(obj["at"]),
            public_key=str(obj["public_key"]),
            signature=str(obj["signature"]),
        )
        verify_key = nacl.signing.VerifyKey(bytes.fromhex(checkpoint.public_key))
        verify_key.verify(checkpoint.signed_payload(), bytes.fromhex(checkpoint.signature))
    except (KeyError, TypeError, ValueError, nacl.exceptions.BadSignatureError) as exc:
        raise WitnessError(
            f"checkpoint of row {obj.get('seq')!r}: the signature does not hold"
        ) from exc
    return checkpoint


def _from_reference(text: str) -> Checkpoint:
    """`SEQ:HASH` as an alert message carries it (no signature: the channel is the witness)."""
    seq, _colon, digest = text.strip().partition(":")
    digest = digest.strip().lower()
    if (
        not seq.strip().isdigit()
        or len(digest) != 64
        or any(c not in "0123456789abcdef" for c in digest)
    ):
        raise WitnessError(f"not a checkpoint: {text.strip()[:80]!r}")
    return Checkpoint(seq=int(seq), hash=digest, at="")


def read_witness(path: Path) -> list[Checkpoint]:
    """Checkpoints from a witness file: JSON lines as `checkpoint --to` writes them, one JSON
    object or list (a backup manifest's `audit_checkpoint`), or `SEQ:HASH` lines copied from
    alert messages. Raises WitnessError for anything else, or a signature that does not hold."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WitnessError(f"cannot read the witness file {path}") from exc
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None
    if isinstance(whole, dict):
        found = [_from_object(whole.get("audit_checkpoint", whole))]
    elif isinstance(whole, list):
        found = [_from_object(item) for item in whole]
    else:
        found = []
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.lstrip().startswith("{"):
                try:
                    found.append(_from_object(json.loads(line)))
                except ValueError as exc:
                    raise WitnessError(f"a line of {path} is not a checkpoint") from exc
            else:
                found.append(_from_reference(line))
    if not found:
        raise WitnessError(f"the witness file {path} holds no checkpoint")
    return found

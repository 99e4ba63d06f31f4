"""The one byte form of a JSON value that the audit chain hashes and checkpoints sign.

It lives in the audit room, not in the vault's crypto, so that the audit log (the floor every
other room writes to) imports nothing of Haven but itself: see docs/architecture.md."""

from __future__ import annotations

import json


def canonical_json(data: object) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

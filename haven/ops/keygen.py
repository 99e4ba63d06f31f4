"""Make an age key pair for backups: `python -m haven.ops.keygen FILE` writes the identity (secret
key) to FILE, readable by its owner only, and prints the public key to give to `haven backup
--recipient`. The same format as `age-keygen -o FILE`. Do this on the offline machine that
keeps the key, never on the server."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from pyrage import x25519


def write_identity(path: Path) -> str:
    identity = x25519.Identity.generate()
    public = str(identity.to_public())
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    text = f"# created: {created}\n# public key: {public}\n{identity}\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return public


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m haven.ops.keygen IDENTITY_FILE", file=sys.stderr)
        return 2
    try:
        public = write_identity(Path(argv[0]))
    except FileExistsError:
        print(f"{argv[0]} already exists; not overwriting a key", file=sys.stderr)
        return 1
    print(public)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

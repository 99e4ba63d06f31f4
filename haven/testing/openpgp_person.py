"""A person's own OpenPGP, for the e-mail channel's tests: Debian's GnuPG in a throwaway home, as
a person's mail client would use it (a different implementation from Haven's Sequoia, so the
tests prove the two understand each other)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path


@dataclass
class GnuPGPerson:
    home: Path
    address: str

    def _gpg(self, *args: str, data: bytes = b"") -> bytes:
        out = subprocess.run(
            ["gpg", "--homedir", str(self.home), "--batch", "--yes", "--quiet", *args],
            input=data,
            capture_output=True,
            check=True,
        )
        return out.stdout

    def public_key(self) -> bytes:
        return self._gpg("--armor", "--export", self.address)

    def import_key(self, armored: bytes) -> None:
        self._gpg("--import", data=armored)

    def encrypt(self, data: bytes, to: str) -> bytes:
        return self._gpg("--armor", "--trust-model", "always", "-r", to, "--encrypt", data=data)

    def decrypt(self, armored: bytes) -> bytes:
        return self._gpg("--decrypt", data=armored)

    def pgp_mime(self, *, to: str, text: str, attach_key: bool = True) -> EmailMessage:
        """A PGP/MIME (RFC 3156) message as Thunderbird sends it: the text and the person's own
        key inside the encrypted part, a meaningless subject outside."""
        inner = EmailMessage()
        inner.set_content(text)
        if attach_key:
            inner.add_attachment(
                self.public_key(), maintype="application", subtype="pgp-keys", filename="key.asc"
            )
        outer = EmailMessage()
        outer["From"], outer["To"], outer["Subject"] = self.address, to, "..."
        control, body = EmailMessage(), EmailMessage()
        control.set_content(b"Version: 1\n", "application", "pgp-encrypted", cte="7bit")
        body.set_content(
            self.encrypt(inner.as_bytes(), to), "application", "octet-stream", cte="7bit"
        )
        outer.set_content("-")
        outer.make_mixed()
        outer.set_payload([control, body])
        outer.replace_header(
            "Content-Type", 'multipart/encrypted; protocol="application/pgp-encrypted"'
        )
        return outer


@contextlib.contextmanager
def gnupg_person(address: str) -> Iterator[GnuPGPerson]:
    if shutil.which("gpg") is None:
        raise RuntimeError("gpg not found: apt-get install gnupg")
    home = Path(tempfile.mkdtemp(prefix="haven-gpg-"))
    os.chmod(home, 0o700)
    person = GnuPGPerson(home=home, address=address)
    try:
        person._gpg(
            "--passphrase", "", "--quick-gen-key", address, "future-default", "default", "never"
        )
        yield person
    finally:
        subprocess.run(
            ["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(home, ignore_errors=True)

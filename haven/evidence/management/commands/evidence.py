"""`haven evidence export|verify`: build a bundle as a staff member, or check one.

    haven evidence export --user NAME --incident EV-XXXX --audience court --out FILE.zip
                          [--override-reason TEXT]
    haven evidence verify BUNDLE          (a zip, or the directory it was unpacked into)

Exporting decrypts, so it acts as a staff member with their own keys and both factors
(haven.accounts.cli): the password and the one-time code are asked for without echo, or read
from HAVEN_PASSWORD and HAVEN_OTP for scripts. It opens only
what that person's grants open, exactly as the web export does, and is audited the same way.
Verification needs no keys and no database: it can run on any machine with Haven installed
(or with `sha256sum -c SHA256SUMS` inside the unpacked bundle).

Exit status: 0 on success; 1 when verification fails or an export is refused (a message, never
a traceback).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.evidence.bundle import BundleAudience, verify_bundle


class Command(BaseCommand):
    help = "Export an incident as an evidence bundle, or verify a bundle's hashes."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        exp = sub.add_parser("export", help="build a bundle for an audience")
        exp.add_argument("--user", required=True, help="the staff member who exports")
        exp.add_argument("--incident", required=True, help="incident reference, e.g. EV-7K2M9Q")
        exp.add_argument("--audience", required=True, choices=BundleAudience.values)
        exp.add_argument("--out", required=True, help="where to write the zip")
        exp.add_argument("--override-reason", default="", help="with an approved override only")
        ver = sub.add_parser("verify", help="check every file of a bundle against its manifest")
        ver.add_argument("bundle")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "verify":
            self._verify(options["bundle"])
        else:
            self._export(options)

    def _verify(self, path: str) -> None:
        if not Path(path).exists():
            raise CommandError(f"{path}: no such file or directory")
        result = verify_bundle(path)
        if result.error:
            raise CommandError(f"{path}: {result.error}")
        for name in result.changed:
            self.stdout.write(f"CHANGED  {name}")
        for name in result.missing:
            self.stdout.write(f"MISSING  {name}")
        for name in result.extra:
            self.stdout.write(f"EXTRA    {name}")
        if not result.ok:
            raise CommandError(
                f"verification FAILED: {len(result.changed)} changed, "
                f"{len(result.missing)} missing, {len(result.extra)} extra"
            )
        self.stdout.write(f"OK: {result.checked} files match the manifest")
        if Path(path).is_file():
            # Compare with the export record: the manifest proves the files match the manifest,
            # this proves the whole bundle is the one Haven handed out.
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            self.stdout.write(f"bundle SHA-256: {digest}")

    def _export(self, options: dict[str, Any]) -> None:
        from haven.accounts.cli import staff_keyring_from_cli
        from haven.evidence.bundle import build_bundle
        from haven.evidence.errors import EvidenceError
        from haven.evidence.models import EvidenceIncident

        out = Path(options["out"])
        if out.exists():
            raise CommandError(f"{out} exists; choose a new file name")
        # Both factors, as on the sign-in page; a duress password opens an empty keyring and
        # raises the silent alarm, exactly as it does there.
        with staff_keyring_from_cli(options["user"]) as keyring:
            incident = (
                keyring.visible(EvidenceIncident.objects.select_related("vault"))
                .filter(reference__iexact=options["incident"])
                .first()
            )
            if incident is None:
                raise CommandError("no incident with this reference that this user can open")
            try:
                built = build_bundle(
                    keyring=keyring,
                    incident=incident,
                    audience=options["audience"],
                    override_reason=options["override_reason"],
                )
            except EvidenceError as exc:
                raise CommandError(str(exc)) from exc
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(built.data)
        self.stdout.write(
            f"wrote {out}: {len(built.files)} files, {len(built.withheld)} attachments withheld"
        )

"""`haven pfif import FILE.xml --user NAME [--progress]` and
`haven pfif export --user NAME [--notes nested|top-level] [--output FILE.xml]`.

Both act as a staff member holding the registry (password and one-time code prompted, or
HAVEN_PASSWORD / HAVEN_OTP for scripts). An export writes identified data, so it consumes one
export approved by a second coordinator (the two-person rule, as for every identified export).
Messages are in English, whatever the installation's language (one language per message)."""

from __future__ import annotations

import io
import os
import sys
import time
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import transaction
from django.utils import translation

from haven.accounts.cli import staff_keyring_from_cli
from haven.cases.public import CaseError, use_export_approval
from haven.missing import actions, pfif
from haven.missing.errors import MissingError


class _Bar:
    """A progress bar on standard error, redrawn at most ten times a second."""

    LABELS = {"check": "checking ", "import": "importing"}

    def __init__(self, stream: OutputWrapper) -> None:
        self.stream = stream
        self.last = 0.0
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        finished = total > 0 and done >= total
        if stage == self.stage and now - self.last < 0.1 and not finished:
            return
        if self.stage and stage != self.stage:
            self.stream.write("\n", ending="")
        self.stage, self.last = stage, now
        label = self.LABELS.get(stage, stage)
        if total > 0:
            share = min(done / total, 1.0)
            filled = int(share * 30)
            unit = " bytes" if stage == "check" else " records"
            self.stream.write(
                f"\r{label} [{'#' * filled}{'.' * (30 - filled)}] {share:4.0%} {done}/{total}{unit}",
                ending="",
            )
        else:
            self.stream.write(f"\r{label} {done} records", ending="")
        self.stream.flush()

    def end(self) -> None:
        if self.stage:
            self.stream.write("\n", ending="")
            self.stream.flush()


class Command(BaseCommand):
    help = "Import PFIF 1.2, 1.3 or 1.4 into the missing-persons registry, or export it as 1.4."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["import", "export"])
        parser.add_argument("file", nargs="?", help="import: a PFIF XML file, or - for stdin")
        parser.add_argument("--user", required=True, help="the staff member acting")
        parser.add_argument("--output", help="export: write here instead of standard output")
        parser.add_argument(
            "--notes",
            choices=["nested", "top-level"],
            default="nested",
            help="export: notes inside their person (default) or at the top level",
        )
        parser.add_argument(
            "--progress", action="store_true", help="import: show a progress bar on stderr"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override("en"):
            if options["verb"] == "import":
                self._import(options)
            else:
                self._export(options)

    def _import(self, options: dict[str, Any]) -> None:
        path = options["file"]
        if not path:
            raise CommandError("name the PFIF file to import")
        size = 0
        if path == "-":
            # Standard input cannot be read twice: it is held in memory (use a file for big ones).
            data = sys.stdin.buffer.read()
            size = len(data)

            def open_stream() -> IO[bytes]:
                return io.BytesIO(data)
        else:
            try:
                size = os.path.getsize(path)
                with open(path, "rb"):
                    pass
            except OSError as exc:
                raise CommandError(f"cannot read {path}: {exc.strerror}") from exc

            def open_stream() -> IO[bytes]:
                return open(path, "rb")  # noqa: SIM115 (closed by import_stream)

        bar = _Bar(self.stderr) if options["progress"] else None
        try:
            # Validate before asking for a password: a bad file fails fast.
            with open_stream() as stream:
                pfif.check(stream, bar, size)
            if bar is not None:
                bar.end()
                bar.stage = ""
        except MissingError as exc:
            if bar is not None:
                bar.end()
            raise CommandError(f"{path}: {exc} Nothing was imported.") from exc
        with staff_keyring_from_cli(options["user"]) as keyring:
            try:
                result = pfif.import_stream(
                    keyring=keyring, open_stream=open_stream, progress=bar, size=size
                )
            except MissingError as exc:
                raise CommandError(f"{path}: {exc} Nothing was imported.") from exc
            finally:
                if bar is not None:
                    bar.end()
        self.stdout.write(
            f"PFIF {result.version}: "
            f"persons: {result.persons_created} new, {result.persons_updated} updated, "
            f"{result.persons_existing} already here, {result.persons_expired} expired "
            f"(not imported); "
            f"notes: {result.notes_created} new, {result.notes_existing} already here, "
            f"{result.notes_held} held until their person arrives, "
            f"{result.held_applied} held earlier now applied, "
            f"{result.held_expired} held too long and dropped; "
            f"links: {result.links_created} new"
        )
        if result.ignored:
            fields = ", ".join(f"{k} ({n})" for k, n in sorted(result.ignored.items()))
            self.stdout.write(f"fields not in this PFIF version, ignored: {fields}")

    def _export(self, options: dict[str, Any]) -> None:
        with staff_keyring_from_cli(options["user"]) as keyring:
            vault = actions.registry_vault()
            if vault is None or not keyring.can_open(vault):
                raise CommandError("this account does not hold the registry")
            target = options["output"]
            try:
                # Written as it is read (a few hundred persons at a time), inside the transaction
                # that consumes the approval: a failed write leaves the approval unused.
                with transaction.atomic():
                    use_export_approval(actor=keyring.user, vault=vault)  # type: ignore[arg-type]
                    if target:
                        with open(target, "wb") as out:
                            count = pfif.write_pfif(
                                keyring=keyring, out=out, notes=options["notes"]
                            )
                    else:
                        count = pfif.write_pfif(
                            keyring=keyring, out=sys.stdout.buffer, notes=options["notes"]
                        )
                        sys.stdout.flush()
                    pfif.audit_export(keyring=keyring, persons=count, notes=options["notes"])
            except CaseError as exc:
                raise CommandError(str(exc)) from exc
            except OSError as exc:
                raise CommandError(f"cannot write {target}: {exc.strerror}") from exc

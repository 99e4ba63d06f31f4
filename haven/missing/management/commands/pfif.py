"""`haven pfif import FILE.xml --user NAME` and `haven pfif export --user NAME > FILE.xml`.

Both act as a staff member holding the registry (password and one-time code prompted, or
HAVEN_PASSWORD / HAVEN_OTP for scripts). An export writes identified data, so it consumes one
export approved by a second coordinator (the two-person rule, as for every identified export)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from haven.accounts.cli import staff_keyring_from_cli
from haven.cases.public import CaseError, use_export_approval
from haven.missing import actions, pfif
from haven.missing.errors import MissingError


class Command(BaseCommand):
    help = "Import or export the missing-persons registry as PFIF 1.4."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["import", "export"])
        parser.add_argument("file", nargs="?", help="import: a PFIF 1.4 XML file, or - for stdin")
        parser.add_argument("--user", required=True, help="the staff member acting")
        parser.add_argument("--output", help="export: write here instead of standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "import":
            self._import(options)
        else:
            self._export(options)

    def _import(self, options: dict[str, Any]) -> None:
        path = options["file"]
        if not path:
            raise CommandError("name the PFIF file to import")
        try:
            if path == "-":
                data = sys.stdin.buffer.read()
            else:
                with open(path, "rb") as stream:
                    data = stream.read()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        try:
            pfif.parse(data)  # before asking for a password: a bad file fails fast
        except MissingError as exc:
            raise CommandError(f"{path}: {exc} Nothing was imported.") from exc
        with staff_keyring_from_cli(options["user"]) as keyring:
            try:
                result = pfif.import_pfif(keyring=keyring, data=data)
            except MissingError as exc:
                raise CommandError(f"{path}: {exc} Nothing was imported.") from exc
        self.stdout.write(
            f"persons: {result.persons_created} new, {result.persons_existing} already here; "
            f"notes: {result.notes_created} new, {result.notes_existing} already here; "
            f"links: {result.links_created} new"
        )

    def _export(self, options: dict[str, Any]) -> None:
        with staff_keyring_from_cli(options["user"]) as keyring:
            vault = actions.registry_vault()
            if vault is None or not keyring.can_open(vault):
                raise CommandError("this account does not hold the registry")
            try:
                with transaction.atomic():
                    use_export_approval(actor=keyring.user, vault=vault)  # type: ignore[arg-type]
                    data = pfif.export_pfif(keyring=keyring)
            except CaseError as exc:
                raise CommandError(str(exc)) from exc
        if options["output"]:
            try:
                with open(options["output"], "wb") as out:
                    out.write(data)
            except OSError as exc:
                raise CommandError(f"cannot write {options['output']}: {exc.strerror}") from exc
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()

"""`haven backup --to FILE --recipient age1...`: one encrypted file with the database and files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from haven.audit.log import record
from haven.ops.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Write an encrypted backup (database snapshot and stored files) to FILE."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", required=True, type=Path, metavar="FILE")
        parser.add_argument(
            "--recipient",
            action="append",
            default=[],
            metavar="AGE_PUBLIC_KEY",
            help="an age public key (age1...); repeat for several offline keys",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = create_backup(
                options["to"], options["recipient"], progress=not options["no_progress"]
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        record(
            action="backup.create",
            object_type="installation",
            data={"files": summary.files, "recipients": len(options["recipient"])},
        )
        self.stdout.write(
            _(
                "Backup written to %(path)s: database %(db)s bytes, %(files)d files (%(bytes)s bytes)."
            )
            % {
                "path": options["to"],
                "db": summary.database_bytes,
                "files": summary.files + summary.objects,
                "bytes": summary.file_bytes,
            }
        )

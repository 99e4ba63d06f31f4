"""`haven restore FILE --identity KEY_FILE`: restore a backup into an empty installation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from haven.audit.log import verify_chain
from haven.ops.backup import BackupError, after_restore, restore_backup


class Command(BaseCommand):
    help = "Restore an encrypted backup into the empty database named by DATABASE_URL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--identity", required=True, type=Path, metavar="KEY_FILE")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = restore_backup(
                options["file"], options["identity"], progress=not options["no_progress"]
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        after_restore(summary)
        chain = verify_chain()
        self.stdout.write(
            _("Restored: database %(db)s bytes, %(files)d files. Every session was ended.")
            % {"db": summary.database_bytes, "files": summary.files + summary.objects}
        )
        if chain.ok:
            self.stdout.write(_("Audit chain verified: %(rows)d rows.") % {"rows": chain.rows})
        else:
            raise CommandError(
                _("Restored, but the audit chain does not verify at row %(row)s: %(problem)s")
                % {"row": chain.first_bad_id, "problem": chain.problem}
            )
        self.stdout.write(_("Next: haven migrate (if this Haven is newer than the backup)."))

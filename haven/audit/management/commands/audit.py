from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.audit.log import verify_chain


class Command(BaseCommand):
    help = (
        "Audit log tools. `haven audit verify` checks the hash chain and names the first bad row."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if not result.ok:
            raise CommandError(
                f"audit chain BROKEN at row {result.first_bad_id}: {result.problem} ({result.rows} rows read)"
            )
        self.stdout.write(f"audit chain intact: {result.rows} rows")

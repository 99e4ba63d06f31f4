"""`haven exposure [--json]`: how many identities and safe-house locations each account opens."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from haven.cases.exposure import exposure_report


class Command(BaseCommand):
    help = "For each staff account: the people and safe-house locations it could reveal."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = exposure_report()
        if options["json"]:
            self.stdout.write(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{'account':<16} {'roles':<28} {'vaults':>7} {'people':>7} {'requests':>9} {'safe houses':>12} {'registry':>9}"
        )
        for r in rows:
            self.stdout.write(
                f"{r.username:<16} {','.join(r.roles):<28} {r.vaults:>7} {r.people:>7} {r.intake_requests:>9} {r.safe_houses:>12} {r.registry_reports:>9}"
            )

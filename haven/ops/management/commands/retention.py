"""`haven retention --dry-run | --apply`: crypto-shred what the retention rules say is due."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from haven.ops.retention import RuleError, configured_rules, run_retention


class Command(BaseCommand):
    help = "Report (--dry-run) or carry out (--apply) the retention rules, by crypto-shredding."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--dry-run", action="store_true")
        group.add_argument("--apply", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rules = configured_rules()
        except RuleError as exc:
            raise CommandError(str(exc)) from exc
        if not rules:
            self.stdout.write(_("No retention rules are set (HAVEN_RETENTION_RULES)."))
            return
        report = run_retention(apply=options["apply"], rules=rules)
        verb = _("shredded") if report.applied else _("would be shredded")
        for outcome in report.outcomes:
            self.stdout.write(
                _("%(rule)s: %(vaults)d vaults (%(records)d records) %(verb)s")
                % {
                    "rule": outcome.rule,
                    "vaults": outcome.vaults,
                    "records": outcome.records,
                    "verb": verb,
                }
            )
        self.stdout.write(
            _("Total: %(vaults)d vaults %(verb)s.") % {"vaults": report.vaults, "verb": verb}
        )

"""`haven wipe --emergency`: destroy every key at once (see haven/ops/wipe.py)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from haven.ops.wipe import emergency_wipe

PHRASE = "WIPE EVERYTHING"


class Command(BaseCommand):
    help = "Emergency wipe: destroy every grant, staff key, vault key and session."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--emergency", action="store_true", help="required: yes, really")
        parser.add_argument("--yes", action="store_true", help="do not ask for the phrase")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["emergency"]:
            raise CommandError(_("Nothing done. The wipe needs --emergency."))
        if not options["yes"]:
            self.stdout.write(
                _(
                    "This destroys every key: nothing sealed in this installation can ever be read again, and nobody can sign in. Type %(phrase)s to go ahead:"
                )
                % {"phrase": PHRASE}
            )
            typed = sys.stdin.readline().strip() if sys.stdin else ""
            if typed != PHRASE:
                raise CommandError(_("Nothing done: the phrase did not match."))
        counts = emergency_wipe(actor=None, via="command")
        self.stdout.write(
            _(
                "Wiped: %(grants)d grants, %(keys)d staff keys, %(vaults)d vault keys, %(sessions)d sessions destroyed."
            )
            % {
                "grants": counts.grants,
                "keys": counts.user_keys,
                "vaults": counts.vault_keys,
                "sessions": counts.sessions,
            }
        )

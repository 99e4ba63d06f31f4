"""`haven seal-regions --user NAME`: seal the free-text regions of origin that the move to the
closed list left in plaintext (haven.W101) into each case's sealed `region_detail`.

A migration holds no keys, so this is run by a person: a coordinator (or caseworker) signs in
with both factors, and every case whose vault they hold is done. Cases in vaults they do not hold
are counted and left for someone who does."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.accounts.cli import keyring_from_cli
from haven.cases.actions import seal_unsealed_regions


class Command(BaseCommand):
    help = "Seal free-text regions of origin left in plaintext by the move to the closed list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="a staff member holding the cases")

    def handle(self, *args: Any, **options: Any) -> None:
        # A duress sign-in gives an empty keyring: it opens no vault, so it seals nothing and
        # answers like an account that holds none of the cases.
        keyring = keyring_from_cli(options["user"])
        try:
            sealed, left = seal_unsealed_regions(keyring=keyring)
        finally:
            keyring.flush_audit()
        self.stdout.write(f"sealed: {sealed}; left: {left}")
        if left:
            raise CommandError(
                f"{left} case(s) are in vaults this account does not hold; run it again as "
                "someone who holds them"
            )

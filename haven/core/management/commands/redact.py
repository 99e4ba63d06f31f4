"""`haven redact [--lang ru|en|auto] [--known FILE] [--public-figures FILE] [--json] INPUT`:
propose redactions of a testimony; the redacted text goes to stdout. See haven/lib/redact/cli.py."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from haven.lib.redact.cli import run


class Command(BaseCommand):
    help = "Redact identifying details from a testimony (INPUT a file, or - for standard input)."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument("args", nargs="*")
        return parser

    def run_from_argv(self, argv: list[str]) -> None:
        # The redaction CLI parses its own options and exits 2 with a message on bad input.
        raise SystemExit(run(argv[2:], sys.stdin, sys.stdout, sys.stderr))

    def handle(self, *args: Any, **options: Any) -> None:
        raise SystemExit(run(list(args), sys.stdin, sys.stdout, sys.stderr))

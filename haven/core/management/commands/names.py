"""`haven names match PAIRS.tsv`: for each line `name_a<TAB>name_b`, print `score<TAB>decision`
(1 = the same person, 0 = not), in order. The interface every name-matching benchmark uses."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.lib.names import run_match


class Command(BaseCommand):
    help = "Match pairs of personal names across scripts and spellings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["match"])
        parser.add_argument("file", help="a TSV file of name pairs, or - for standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            stream = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        with stream:
            try:
                run_match(stream, sys.stdout, sys.stderr)
            except UnicodeDecodeError as exc:
                raise CommandError(f"{path} is not UTF-8 text") from exc

"""`haven linkage encode` and `haven linkage compare`.

    haven linkage encode --source registry|cases --user NAME [--secret-file F] --out FILE
    haven linkage compare OURS.json THEIRS.json --user NAME --partner "Org" [--threshold 0.84]

Both act as a staff member (password and one-time code prompted, or HAVEN_PASSWORD /
HAVEN_OTP for scripts). The secret shared with the partner comes from --secret-file or
HAVEN_LINKAGE_SECRET, never from an argument. The encodings file holds random tokens and Bloom
filters, no names and no ids of ours; docs/linkage.md says what it still reveals."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from haven.accounts.cli import staff_keyring_from_cli
from haven.linkage import actions, encoding
from haven.linkage.errors import LinkageError


def _read_json(path: str) -> Any:
    try:
        if Path(path).stat().st_size > actions.MAX_FILE_BYTES:
            raise CommandError(f"{path} is too large for an encodings file")
        with open(path, encoding="utf-8") as stream:
            return json.load(stream)
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path} is not an encodings file (not JSON)") from exc


class Command(BaseCommand):
    help = "Find people we share with a partner organisation without exchanging names."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["encode", "compare"])
        parser.add_argument("files", nargs="*", help="compare: OURS.json THEIRS.json")
        parser.add_argument("--user", required=True, help="the staff member acting")
        parser.add_argument("--source", choices=["registry", "cases"], default="registry")
        parser.add_argument("--secret-file", help="file holding the secret shared with the partner")
        parser.add_argument("--out", help="encode: the encodings file to write")
        parser.add_argument("--partner", default="", help="compare: the partner organisation")
        parser.add_argument("--threshold", type=float, default=encoding.DEFAULT_THRESHOLD)

    def handle(self, *args: Any, **options: Any) -> None:
        # The actions' refusals are translated for pages; the command speaks English throughout
        # (as `haven pfif` does), not the installation's default language.
        with translation.override("en"):
            if options["verb"] == "encode":
                self._encode(options)
            else:
                self._compare(options)

    def _encode(self, options: dict[str, Any]) -> None:
        out = options["out"]
        if not out:
            raise CommandError("name the encodings file to write with --out")
        if os.path.exists(out):
            raise CommandError(f"{out} exists; choose a new file")
        try:
            secret = actions.load_secret(options["secret_file"])
        except LinkageError as exc:
            raise CommandError(str(exc)) from exc
        with staff_keyring_from_cli(options["user"]) as keyring:
            try:
                payload = actions.export_encodings(
                    keyring=keyring, source=options["source"], secret=secret
                )
            except LinkageError as exc:
                raise CommandError(f"{exc} Nothing was exported.") from exc
        try:
            with open(out, "x", encoding="utf-8") as stream:
                json.dump(payload, stream)
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror}") from exc
        tokens = len({e["token"] for e in payload["encodings"]})
        self.stdout.write(
            f"wrote {len(payload['encodings'])} encodings of {tokens} records to {out}"
        )

    def _compare(self, options: dict[str, Any]) -> None:
        files = options["files"]
        if len(files) != 2:
            raise CommandError("give our encodings file and the partner's: compare OURS THEIRS")
        ours, theirs = _read_json(files[0]), _read_json(files[1])
        with staff_keyring_from_cli(options["user"]) as keyring:
            try:
                comparison = actions.compare_files(
                    keyring=keyring,
                    ours=ours,
                    theirs=theirs,
                    partner=options["partner"],
                    threshold=options["threshold"],
                )
            except LinkageError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{comparison.suggestions} possible shared people at similarity >= "
            f"{comparison.threshold:.2f}; coordinators decide them under Shared with partners"
        )

"""`haven audit verify [--witness FILE ...]` and `haven audit checkpoint [--to FILE]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.audit.checkpoint import (
    WitnessError,
    append_to_file,
    issue_checkpoint,
    public_key_hex,
    read_witness,
)
from haven.audit.log import verify_chain


class Command(BaseCommand):
    help = (
        "Audit log tools. `haven audit verify` checks the hash chain and names the first bad row; "
        "with --witness FILE it also checks the chain against signed checkpoints kept off the "
        "server (without a witness, a chain recomputed after a change cannot be told apart). "
        "`haven audit checkpoint --to FILE` signs the current head, sends it to the "
        "coordinators' alert channels and appends it to FILE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["verify", "checkpoint"])
        parser.add_argument(
            "--witness",
            action="append",
            default=[],
            type=Path,
            metavar="FILE",
            help="verify: a witness file (checkpoints from `checkpoint --to`, a backup "
            "manifest's audit_checkpoint, or SEQ:HASH lines from alert messages); repeatable",
        )
        parser.add_argument(
            "--to",
            type=Path,
            metavar="FILE",
            help="checkpoint: append the signed checkpoint to FILE (kept off the server); "
            "without it the checkpoint is printed",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "checkpoint":
            self._checkpoint(options["to"])
        else:
            self._verify(options["witness"])

    def _checkpoint(self, to: Path | None) -> None:
        if to is not None and to.is_dir():
            raise CommandError(f"{to} is a folder; give a file name")
        if to is not None and not to.parent.is_dir():
            raise CommandError(f"the folder {to.parent} does not exist")
        checkpoint = issue_checkpoint()
        if checkpoint is None:
            raise CommandError("the audit chain is empty: nothing to checkpoint yet")
        if to is not None:
            append_to_file(to, checkpoint)
        else:
            # Without --to the line itself goes to stdout, so that an operator can keep it on
            # their own machine: `ssh server haven audit checkpoint >> witness.jsonl`.
            self.stdout.write(json.dumps(checkpoint.as_json(), sort_keys=True))
        # Comment lines: harmless if they end up in the witness file too.
        self.stdout.write(
            f"# checkpoint of row {checkpoint.seq}: {checkpoint.hash} at {checkpoint.at}"
            + (f", appended to {to}" if to is not None else "")
        )
        self.stdout.write(f"# signing key (Ed25519, hex): {checkpoint.public_key}")

    def _verify(self, witness_files: list[Path]) -> None:
        witnesses = []
        try:
            for path in witness_files:
                witnesses += read_witness(path)
        except WitnessError as exc:
            raise CommandError(f"witness not usable: {exc}") from exc
        result = verify_chain(witnesses)
        if not result.ok:
            raise CommandError(
                f"audit chain BROKEN at row {result.first_bad_id}: {result.problem} ({result.rows} rows read)"
            )
        if not witnesses:
            self.stdout.write(
                f"audit chain intact: {result.rows} rows (internally consistent; without "
                "--witness a recomputed chain would also pass)"
            )
            return
        self.stdout.write(
            f"audit chain intact: {result.rows} rows; rows 1 to {result.witnessed_up_to} agree "
            f"with {len(witnesses)} witnessed checkpoint(s)"
        )
        current = public_key_hex()
        foreign = {c.public_key for c in witnesses if c.public_key and c.public_key != current}
        if foreign:
            self.stdout.write(
                "note: some checkpoints were signed by a key other than this server's current "
                "one (was the key rotated?)"
            )

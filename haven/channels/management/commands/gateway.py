"""`haven gateway`: poll the channels that poll and send queued replies (with retry). Safe to
run several side by side (every reply is claimed with a conditional UPDATE); stops cleanly on
SIGTERM after the current step."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from haven.channels import delivery


class Command(BaseCommand):
    help = "Run the channel gateway (poll channels, deliver replies over them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run one step and exit")
        parser.add_argument("--sleep", type=float, default=1.0, help="seconds between steps")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            step = delivery.run_once()
            self.stdout.write(
                f"ingested: {step.ingested}, duplicates: {step.duplicates}, sent: {step.sent}, "
                f"retried: {step.retried}, failed: {step.failed}, "
                f"poll errors: {len(step.poll_errors)}"
            )
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        self.stdout.write("haven gateway running; SIGTERM stops it")
        delivery.run_forever(stop, interval=options["sleep"])
        self.stdout.write("haven gateway stopped")

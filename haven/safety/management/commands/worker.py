"""`haven worker`: escalations and alert delivery. Safe to run several side by side; stops
cleanly on SIGTERM (finishing the current step)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from haven.safety.worker import Worker, install_signal_handlers


class Command(BaseCommand):
    help = (
        "Run the worker (missed check-ins, escalation, alert delivery, periodic signed audit "
        "checkpoints)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run one step and exit")
        parser.add_argument("--sleep", type=float, default=None, help="seconds between steps")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            result = Worker(0).step()
            self.stdout.write(
                f"watches down: {result.watches_down}, steps sent: {result.steps_sent}, delivered: {result.delivered}, failed: {result.failed}, waiting requests alerted: {result.waits_alerted}"
            )
            return
        worker = Worker(options["sleep"])
        install_signal_handlers(worker)
        self.stdout.write("haven worker running; SIGTERM stops it")
        worker.run()
        self.stdout.write("haven worker stopped")

"""`haven watchdog`: one look at the worker's heartbeat and the alert deliveries, from a process
of its own (a systemd timer runs it every 30 s: deploy/haven-watchdog.timer)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.safety import watchdog


class Command(BaseCommand):
    help = (
        "Alert the coordinators through HAVEN_WATCHDOG_URLS when no worker has swept for two "
        "minutes or alert deliveries are failing (once, and once more when it recovers)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = watchdog.run()
        h = result.health
        lag = "never" if h.worker_lag_seconds is None else f"{h.worker_lag_seconds:.0f} s"
        self.stdout.write(
            f"last worker sweep: {lag}; workers sweeping: {h.workers_seen}; deliveries failed "
            f"recently: {h.deliveries_failed_recently}, retrying: {h.deliveries_retrying}"
        )
        for kind in result.raised:
            self.stdout.write(f"alarm raised: {kind}")
        for kind in result.cleared:
            self.stdout.write(f"alarm cleared: {kind}")
        if not watchdog.urls():
            raise CommandError("HAVEN_WATCHDOG_URLS is empty: the watchdog can tell nobody")
        if not result.sent:
            raise CommandError("the watchdog could not send its message; it retries next run")

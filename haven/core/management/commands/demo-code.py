"""`haven demo-code USER`: the current TOTP code of a demo account, so a newcomer can sign in."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.core.demo import DEMO_STAFF


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo account (refused in production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("demo-code is for the demo only")
        name = options["username"]
        if name not in {n for n, _p, _r in DEMO_STAFF}:
            raise CommandError(
                f"{name} is not a demo account; demo accounts: {', '.join(n for n, _p, _r in DEMO_STAFF)}"
            )
        device = TOTPDevice.objects.filter(user__username=name).first()
        if device is None:
            raise CommandError("no demo data yet: run `haven demo --no-serve` first")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        remaining = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}")
        self.stderr.write(f"(valid for {remaining} more seconds)")

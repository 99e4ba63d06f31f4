"""`haven staff-create USERNAME --role admin [--role ...]`: the first accounts of an installation.
Prints the temporary password and the authenticator URL once; hand both over in person."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.accounts.actions import create_staff_user
from haven.accounts.models import Role, User
from haven.accounts.throttle import DerivationsBusy


class Command(BaseCommand):
    help = "Create a staff account (key pair, two-factor device, temporary password)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", action="append", choices=Role.values, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["username"]
        if User.objects.filter(username__iexact=name).exists():
            raise CommandError(f"the user name {name} is taken")
        try:
            creds = create_staff_user(actor=None, username=name, roles=options["role"])
        except DerivationsBusy as exc:
            raise CommandError(
                "The server is too busy to create a key pair now; try again."
            ) from exc
        self.stdout.write(f"user:               {creds.user.username}")
        self.stdout.write(
            f"temporary password: {creds.password}   (must be changed at first sign-in)"
        )
        self.stdout.write(f"authenticator URL:  {creds.totp_device.config_url}")

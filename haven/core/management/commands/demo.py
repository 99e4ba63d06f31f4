"""`haven demo`: migrate, load the synthetic demo organisation once, print the logins, serve."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from haven.accounts.actions import create_staff_user, set_duress_password
from haven.accounts.models import Role, User
from haven.core.demo import DEMO_DURESS, DEMO_STAFF, DemoContext
from haven.core.registry import demo_loaders


class Command(BaseCommand):
    help = "Set up the demo organisation (synthetic data, Russian and English) and serve it on 127.0.0.1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="prepare the database and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            self.stderr.write("Refusing to load demo data into a production installation.")
            raise SystemExit(2)
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        ctx = self.load()
        self.print_logins(ctx)
        if options["no_serve"]:
            return
        self.stdout.write(
            f"\nServing on http://127.0.0.1:{options['port']}/  (staff: /staff/login/)  Ctrl+C stops.\n"
        )
        self.stdout.flush()
        from haven.core.registry import demo_services

        for start in demo_services():
            start()
        os.environ.setdefault("HAVEN_SERVE_STATIC", "1")
        call_command(
            "runserver", f"127.0.0.1:{options['port']}", use_reloader=False, skip_checks=True
        )

    def load(self) -> DemoContext:
        passwords = {name: password for name, password, _roles in DEMO_STAFF}
        if User.objects.filter(username=DEMO_STAFF[0][0]).exists():
            users = {u.username: u for u in User.objects.filter(username__in=passwords)}
            self.stdout.write("Demo data already present: reusing it.")
            return DemoContext(users=users, passwords=passwords)
        self.stdout.write(
            "Creating the demo organisation (this takes a few seconds: real Argon2id)..."
        )
        with transaction.atomic():
            users = {}
            for name, password, roles in DEMO_STAFF:
                creds = create_staff_user(
                    actor=None, username=name, roles=list(roles), password=password
                )
                users[name] = creds.user
            set_duress_password(user=users[DEMO_DURESS[0]], duress_password=DEMO_DURESS[1])
            ctx = DemoContext(users=users, passwords=passwords)
            for label, loader in demo_loaders():
                loader(ctx)
                self.stdout.write(f"  loaded demo data: {label}")
            ctx.flush()
        return ctx

    def print_logins(self, ctx: DemoContext) -> None:
        self.stdout.write(
            "\nDemo logins (synthetic people; every account also needs its current code):"
        )
        self.stdout.write(f"  {'user':<14} {'password':<26} roles")
        for name, password, roles in DEMO_STAFF:
            self.stdout.write(
                f"  {name:<14} {password:<26} {', '.join(str(Role(r).label) for r in roles)}"
            )
        self.stdout.write(
            f"  duress password for '{DEMO_DURESS[0]}': {DEMO_DURESS[1]}  (shows an empty workspace, alerts coordinators)"
        )
        self.stdout.write(
            "\nTwo-factor code for a user:  haven demo-code USER   (e.g. `uv run haven demo-code coordinator`)"
        )
        for line in ctx.notes:
            self.stdout.write(f"  {line}")

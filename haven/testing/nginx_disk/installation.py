"""The throwaway installation: migrated, an intake vault, and an incident to add a file to."""

from __future__ import annotations

from pathlib import Path

from haven.testing.nginx_disk.harness import PASSWORD


def _prepare(data: Path) -> tuple[str, str]:
    """Migrate; a coordinator sets up the intake vault; a documentation officer opens an
    incident. Returns (incident id, documentation officer's user name)."""
    import django

    from haven.lib.private_data import start_private

    start_private()  # as every haven command does: creates the data dir, 0700
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from haven.accounts.actions import create_staff_user
    from haven.accounts.models import User
    from haven.evidence import actions as evidence_actions
    from haven.intake import actions as intake_actions
    from haven.vault.keyring import Keyring
    from haven.vault.userkeys import unwrap_user_key

    def staff(username: str, role: str) -> tuple[User, Keyring]:
        user = create_staff_user(actor=None, username=username, roles=[role], password=PASSWORD)
        private = unwrap_user_key(user.user, PASSWORD)
        assert private is not None
        return user.user, Keyring(user.user, private)

    coordinator, ring = staff("coordinator", "coordinator")
    intake_actions.set_up_intake_vault(actor=coordinator, keyring=ring)
    officer, ring = staff("docofficer", "documentation")
    incident = evidence_actions.create_incident(keyring=ring, title="Задержание", violations=[])
    from django.db import connections

    connections.close_all()
    return str(incident.id), officer.username


def _totp(username: str) -> str:
    from django.db import connections

    from haven.accounts.models import User
    from haven.testing.personas import current_code

    try:
        return current_code(User.objects.get(username=username))
    finally:
        # The scan later reads the SQLite files whole; closing that read would drop this
        # process's POSIX locks under a live connection, which corrupts the database.
        connections.close_all()

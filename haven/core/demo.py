"""The demo organisation: fictional staff, and the context every app's demo loader receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from haven.accounts.models import Role, User
from haven.vault.keyring import Keyring
from haven.vault.models import Vault
from haven.vault.userkeys import unwrap_user_key

# Fictional handles. Passwords are public on purpose: this is synthetic data on a laptop.
DEMO_STAFF: list[tuple[str, str, list[str]]] = [
    ("operator", "demo-operator-pass", [Role.OPERATOR]),
    ("caseworker", "demo-caseworker-pass", [Role.CASEWORKER]),
    ("caseworker2", "demo-caseworker2-pass", [Role.CASEWORKER]),
    ("coordinator", "demo-coordinator-pass", [Role.COORDINATOR]),
    ("coordinator2", "demo-coordinator2-pass", [Role.COORDINATOR]),
    ("lawyer", "demo-lawyer-pass", [Role.LAWYER]),
    ("docofficer", "demo-docofficer-pass", [Role.DOCUMENTATION]),
    ("admin", "demo-admin-pass", [Role.ADMIN]),
]
DEMO_DURESS = ("caseworker", "demo-duress-pass")


@dataclass
class DemoContext:
    users: dict[str, User]
    passwords: dict[str, str]
    vaults: dict[str, Vault] = field(default_factory=dict)
    _keyrings: dict[str, Keyring] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def keyring(self, username: str) -> Keyring:
        """The keyring of a demo account (its password is known), cached: one Argon2id each."""
        if username not in self._keyrings:
            user = self.users[username]
            private_key = unwrap_user_key(user, self.passwords[username])
            if private_key is None:
                raise RuntimeError(f"demo account {username} does not open")
            self._keyrings[username] = Keyring(user, private_key)
        return self._keyrings[username]

    def flush(self) -> None:
        for keyring in self._keyrings.values():
            keyring.flush_audit()

    def note(self, line: str) -> None:
        """A line printed after the logins: what this app put in the demo and where to look."""
        self.notes.append(line)

    def staff(self, *roles: str) -> list[User]:
        return [u for u in self.users.values() if u.has_role(*roles)]

    def get(self, key: str, default: Any = None) -> Any:
        return self.vaults.get(key, default)

"""The age keys: recipients' public keys for a backup, the identity file for a restore."""

from __future__ import annotations

from pathlib import Path

import pyrage
from django.utils.translation import gettext as _

from haven.ops.backup.archive import BackupError


def parse_recipients(values: list[str]) -> list[pyrage.x25519.Recipient]:
    if not values:
        raise BackupError(
            _("Give at least one --recipient (an age public key, age1...); see docs/operations.md.")
        )
    recipients = []
    for value in values:
        try:
            recipients.append(pyrage.x25519.Recipient.from_str(value.strip()))
        except Exception as exc:  # noqa: BLE001  (pyrage raises its own error types)
            raise BackupError(
                _("Not an age public key: %(value)s (it starts with age1)")
                % {"value": value[:20] + ("..." if len(value) > 20 else "")}
            ) from exc
    return recipients


def load_identities(path: Path) -> list[pyrage.x25519.Identity]:
    """Secret keys from an age identity file (the output of age-keygen: comments and lines of
    AGE-SECRET-KEY-1...)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(
            _("Cannot read the identity file %(path)s.") % {"path": str(path)}
        ) from exc
    identities = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(pyrage.x25519.Identity.from_str(line))
        except Exception as exc:  # noqa: BLE001
            raise BackupError(
                _("The identity file %(path)s holds a line that is not an age secret key.")
                % {"path": str(path)}
            ) from exc
    if not identities:
        raise BackupError(
            _("The identity file %(path)s holds no age secret key (AGE-SECRET-KEY-1...).")
            % {"path": str(path)}
        )
    return identities

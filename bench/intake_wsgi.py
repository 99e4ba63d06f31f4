"""The WSGI application the intake benchmark serves with gunicorn.

With HAVEN_BENCH_PLAIN=1 the portal's sealing (`seal_box`) is replaced by writing the encoded
plaintext bytes into the same columns: the same endpoint, the same rows, the same codename
derivation and the same commit, without the public-key encryption. Benchmark only; never
deployed."""

from __future__ import annotations

import os
from typing import Any

from django.db import models

from haven.wsgi import application

if os.environ.get("HAVEN_BENCH_PLAIN") == "1":
    from haven.intake import actions
    from haven.vault.keyring import _encode, _field

    def plain_write(obj: models.Model, **values: Any) -> None:
        for name, value in values.items():
            setattr(obj, name, None if value is None else _encode(_field(obj, name), value))

    actions.seal_box = plain_write  # type: ignore[assignment]

__all__ = ["application"]

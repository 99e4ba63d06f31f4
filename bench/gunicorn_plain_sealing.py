"""gunicorn config for the intake benchmark's baseline: the same endpoint, with sealing replaced
by a plain write (the value's bytes stored as they are). Never used outside bench/."""

from typing import Any


def post_worker_init(worker: Any) -> None:
    from haven.intake import actions

    def plain_write(obj: Any, **values: Any) -> None:
        for name, value in values.items():
            if value is None:
                setattr(obj, name, None)
            elif isinstance(value, bytes):
                setattr(obj, name, value)
            else:
                import json

                setattr(
                    obj, name, (value if isinstance(value, str) else json.dumps(value)).encode()
                )

    actions.seal_box = plain_write  # type: ignore[assignment]

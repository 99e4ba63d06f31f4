"""Nothing sensitive to load: the demo only learns how to run a backup drill."""

from __future__ import annotations

from typing import Any


def load(ctx: Any) -> None:
    ctx.note(
        "Operations: try a backup drill with scripts/ops_drill, or see docs/operations.md "
        "(haven backup --to FILE --recipient age1..., haven restore FILE --identity KEY)."
    )

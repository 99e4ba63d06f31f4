"""Nothing sensitive to load: the demo only learns how to run a backup drill."""

from __future__ import annotations

from typing import Any


def load(ctx: Any) -> None:
    ctx.note(
        "Operations: try a backup drill with scripts/ops_drill, or see docs/operations.md "
        "(haven backup --to FILE --recipient age1..., haven restore FILE --identity KEY)."
    )
    ctx.note(
        "Watchdog: the coordinator's dashboard shows the safety worker's last sweep (stop the "
        "demo's worker and it turns into a warning after 2 minutes); `haven watchdog` alerts "
        "through HAVEN_WATCHDOG_URLS, and /staff/healthz answers a monitoring system holding "
        "HAVEN_HEALTHZ_TOKEN (docs/operations.md)."
    )

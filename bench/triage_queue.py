"""Issue 17 (surviving a surge): the triage header and the waiting-time sweep at scale.

    uv run python bench/triage_queue.py [--requests 10000 50000] [--runs 15]

With `requests` hotline requests (a fifth still waiting for an answer, spread over the three
urgencies; the rest answered), measures, as medians of `runs`:
1. the header's one aggregate query (`surge.queue_summary`: depth and oldest wait per urgency);
2. the worker's sweep for waits past their threshold with nothing due (`surge.due_wait_alerts`);
against the baseline of the same run: a plain `COUNT(*)` of the open requests, the cheapest
question the old triage page already asked about the same table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from _django import median, setup


def make_requests(total: int) -> None:
    from django.utils import timezone

    from haven.intake.models import HelpRequest, PortalIdentity
    from haven.vault.models import Vault

    made = HelpRequest.objects.count()
    intake = Vault.objects.filter(kind="intake").first() or Vault.objects.create(
        kind="intake", public_key=b"x" * 32
    )
    now = timezone.now()
    urgencies = ["urgent", "high", "normal"]
    for start in range(made, total, 5000):
        size = min(5000, total - start)
        vaults = Vault.objects.bulk_create(
            [Vault(kind="codename", public_key=b"y" * 32) for _ in range(size)]
        )
        identities = PortalIdentity.objects.bulk_create(
            [
                PortalIdentity(lookup_id=f"bench{start + i:012d}", vault=v)
                for i, v in enumerate(vaults)
            ]
        )
        rows = []
        for i, identity in enumerate(identities):
            n = start + i
            waiting = n % 5 == 0
            # Waiting requests arrived within the last few minutes: nothing is due.
            since = now - dt.timedelta(seconds=n % 300) if waiting else None
            rows.append(
                HelpRequest(
                    reference=f"RQ-{n:08X}",
                    vault=intake,
                    identity=identity,
                    felt_urgency="later",
                    urgency=urgencies[n % 3],
                    status="read" if waiting else "replied",
                    waiting_since=since,
                )
            )
        HelpRequest.objects.bulk_create(rows)


def timed(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    setup()
    from django.db import connection
    from django.utils import timezone

    from haven.intake import surge
    from haven.intake.models import HelpRequest

    print(f"database: {connection.vendor}")
    print("requests | header query ms | idle sweep ms | baseline COUNT(*) ms | header / baseline")
    for total in sorted(args.requests):
        make_requests(total)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        current, now = surge.rules(), timezone.now()
        # As the triage page asks it: through the keyring's filter on the granted vaults.
        seen = HelpRequest.objects.filter(vault__kind="intake").values("vault_id")[:1]
        visible = HelpRequest.objects.filter(
            vault_id__in=list(seen.values_list("vault_id", flat=True))
        )
        open_rows = visible.exclude(status="case_opened")

        def header(rows=visible, at=now, rules=current):  # type: ignore[no-untyped-def]
            return surge.queue_summary(rows, at, rules)

        def sweep(at=now):  # type: ignore[no-untyped-def]
            return surge.due_wait_alerts(at)

        def baseline(rows=open_rows):  # type: ignore[no-untyped-def]
            return rows.count()

        header_ms, sweep_ms, baseline_ms = (timed(f, args.runs) for f in (header, sweep, baseline))
        lines = header()
        assert sum(line.waiting for line in lines) == (total + 4) // 5
        assert surge.due_wait_alerts(now) == []
        print(
            f"{total:>8} | {header_ms:>15.2f} | {sweep_ms:>13.2f} | {baseline_ms:>20.2f}"
            f" | {header_ms / baseline_ms:>6.2f}x"
        )


if __name__ == "__main__":
    main()

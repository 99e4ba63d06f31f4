"""Issue 8 figure: the statistics page and `haven report summary` as the number of cases grows.

    uv run python bench/reports_scale.py --sizes 1000 10000 100000 --runs 7
    uv run python -m haven.testing.pgcluster -- uv run python bench/reports_scale.py ...

One throwaway installation grows through the sizes (1,000 cases, then 9,000 more, then 90,000
more); at each size the statistics page (/staff/reports/, the real view through the test client
with a real coordinator sign-in: middleware, template, charts) and `haven report summary --json`
are timed --runs times, and the SQL statements of one more call are counted. The statistics read
only non-identifying columns, so the rows are written directly in bulk: per case its state,
outcome, country and region, and the transitions that brought it to its state spread over two
years; one help request (and portal identity) for every two cases; a check-in schedule for every
tenth case and an acknowledged incident for every fiftieth. Vault rows carry random bytes (nothing
here is ever decrypted: the statistics never open a vault).

`--reuse FILE` (SQLite) keeps the installation at its largest size in FILE on the first run and
starts later runs from a copy of it, measuring that size only; `HAVEN_BENCH_CODE=/path/to/checkout`
measures another checkout's code on the same copy (a baseline in the same session):

    uv run python bench/reports_scale.py --sizes 100000 --runs 5 --reuse /tmp/rep100k.sqlite3
    HAVEN_BENCH_CODE=/work/main uv run python bench/reports_scale.py ... (the same arguments)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import time
from pathlib import Path
from typing import Any

from _django import median, percentile, setup, snapshot

PIPELINE = [
    "intake",
    "vetting",
    "planning",
    "in_transit",
    "sheltered",
    "documents",
    "departed",
    "resettled",
    "closed",
]
SIDE = ["missing", "detained", "withdrawn"]


def grow(start: int, n: int, rng: random.Random) -> None:
    from django.db import transaction
    from django.utils import timezone

    from haven.cases.models import Case, CaseTransition

    # Older code measured through HAVEN_BENCH_CODE may not have the column.
    stored_days = any(f.name == "days_in_stage" for f in CaseTransition._meta.fields)
    from haven.intake.models import HelpRequest, PortalIdentity
    from haven.safety.models import SafetyIncident, Watch
    from haven.vault.models import Vault

    now = timezone.now()
    for offset in range(start, start + n, 2000):
        size = min(2000, start + n - offset)
        vaults, cases, transitions, identities, requests, watches, incidents = (
            [],
            [],
            [],
            [],
            [],
            [],
            [],
        )
        for i in range(offset, offset + size):
            vault = Vault(kind="case", public_key=os.urandom(32))
            vaults.append(vault)
            created = now - dt.timedelta(days=rng.uniform(1, 730))
            depth = rng.randrange(len(PIPELINE))
            state = PIPELINE[depth] if rng.random() > 0.1 else rng.choice(SIDE)
            outcome = ""
            if state in ("resettled", "closed", "departed"):
                outcome = rng.choice(["abroad", "abroad", "in_country"])
            case = Case(
                vault=vault,
                reference=f"HV-{i:08X}",
                state=state,
                region_of_origin=rng.choice(["RU-CE", "RU-DA", "RU-IN"]),
                outcome=outcome,
                outcome_country=rng.choice(["DE", "FR", "CA", "NL", "LT"])
                if outcome == "abroad"
                else "",
                created_at=created,
                state_changed_at=created,
            )
            cases.append(case)
            at = entered = created
            for step in range(depth):
                at += dt.timedelta(days=rng.uniform(0.5, 30))
                left = min(at, now)
                # The days in the stage left, as the actions store them (without them the page
                # takes its fallback path and computes every duration).
                days = {"days_in_stage": (left - entered).total_seconds() / 86400}
                transitions.append(
                    CaseTransition(
                        case=case,
                        vault=vault,
                        from_state=PIPELINE[step],
                        to_state=PIPELINE[step + 1],
                        at=left,
                        **(days if stored_days else {}),
                    )
                )
                entered = left
            if i % 2 == 0:
                identity_vault = Vault(kind="codename", public_key=os.urandom(32))
                vaults.append(identity_vault)
                identity = PortalIdentity(lookup_id=f"bench-{i}", vault=identity_vault)
                identities.append(identity)
                requests.append(
                    HelpRequest(
                        vault=vault,
                        identity=identity,
                        reference=f"RQ-{i:08X}",
                        felt_urgency="days",
                        urgency="high",
                        created_at=created,
                        case=case,
                    )
                )
            if i % 10 == 0:
                last = now - dt.timedelta(hours=rng.uniform(0, 30))
                watch = Watch(
                    case=case,
                    interval_minutes=12 * 60,
                    grace_minutes=60,
                    pin_hash="!",
                    state="up",
                    started_at=created,
                    last_checkin_at=last,
                    next_deadline=last + dt.timedelta(hours=12),
                )
                watches.append(watch)
                if i % 50 == 0:
                    started = now - dt.timedelta(days=rng.uniform(1, 300))
                    incidents.append(
                        SafetyIncident(
                            kind="missed_checkin",
                            case=case,
                            watch=watch,
                            reference=case.reference,
                            started_at=started,
                            acknowledged_at=started + dt.timedelta(minutes=rng.uniform(1, 90)),
                        )
                    )
        with transaction.atomic():
            Vault.objects.bulk_create(vaults)
            Case.objects.bulk_create(cases)
            CaseTransition.objects.bulk_create(transitions)
            PortalIdentity.objects.bulk_create(identities)
            HelpRequest.objects.bulk_create(requests)
            Watch.objects.bulk_create(watches)
            SafetyIncident.objects.bulk_create(incidents)


def measure(fn: Any, runs: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return percentile(samples, 50), percentile(samples, 95), len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one page")
    parser.add_argument("--reuse", type=Path, help="SQLite file holding the built installation")
    args = parser.parse_args()
    reuse = args.reuse is not None and args.reuse.exists()
    os.environ.setdefault("HAVEN_ARGON2_OPSLIMIT", "1")
    os.environ.setdefault("HAVEN_ARGON2_MEMLIMIT", str(8 * 1024 * 1024))
    setup(database=args.reuse if reuse else None)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    import haven.reports.views  # noqa: F401  (imported before the long run: see cases_scale.py)
    from haven.accounts.actions import create_staff_user
    from haven.accounts.models import User
    from haven.cases.models import Case
    from haven.testing.personas import sign_in

    password = "bench password long"
    if reuse:
        user = User.objects.get(username="benchcoord")
    else:
        user = create_staff_user(
            actor=None, username="benchcoord", roles=["coordinator"], password=password
        ).user
    client = sign_in(Client(), user, password)
    print(
        f"database: {connection.vendor}; code: {Path(haven.reports.views.__file__).parents[2]}",
        flush=True,
    )
    rng = random.Random(8)
    have = Case.objects.count()
    sizes = sorted(args.sizes)
    for size in [max(sizes)] if reuse else sizes:
        t0 = time.perf_counter()
        grow(have, size - have, rng)
        have = size
        if args.reuse is not None and not reuse and size == max(sizes):
            snapshot(args.reuse)
        if connection.vendor == "postgresql":
            with connection.cursor() as c:
                c.execute("ANALYZE")
        built = time.perf_counter() - t0

        def page() -> None:
            response = client.get("/staff/reports/")
            assert response.status_code == 200

        def summary() -> None:
            with open(os.devnull, "w") as out:
                call_command("report", "summary", "--json", stdout=out)

        p = measure(page, args.runs)
        s = measure(summary, args.runs)
        print(
            f"{size:>7,} cases (built in {built:.0f} s): statistics page p50 {p[0]:.0f} ms "
            f"p95 {p[1]:.0f} ms, {p[2]} queries; report summary p50 {s[0]:.0f} ms "
            f"p95 {s[1]:.0f} ms, {s[2]} queries",
            flush=True,
        )
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(page)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    _ = median  # medians of several runs are taken across invocations (docs/BENCHMARKS.md)


if __name__ == "__main__":
    main()

"""Issue 5 figures: the safety worker at scale.

    uv run python bench/safety_worker.py [--watched 100000] [--per-minute 1000] [--minutes 2]
    uv run python -m haven.testing.pgcluster -- uv run python bench/safety_worker.py ...   (PostgreSQL)

1. delay from a deadline passing to its alert being handed to the channel, p50/p99, with one
   worker running its normal loop in real time while `per-minute` deadlines fall due each minute
   among `watched` watched people;
2. the cost of an idle sweep (nothing due) at 10,000 and at 100,000 watched;
3. two workers side by side on the same due watches: alerts sent twice, alerts missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import threading
import time

from _django import median, percentile, setup


def make_watches(n: int, *, due_from: dt.datetime | None, per_minute: int, minutes: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from haven.accounts.models import User
    from haven.cases.models import Case, CaseAssignment
    from haven.safety.channels import seal_url
    from haven.safety.models import Channel, Watch
    from haven.vault.models import Vault

    worker = User.objects.get(username="benchcw")
    vault = Vault.objects.create(kind="case", public_key=b"x" * 32)
    pin = make_password("2468")
    now = timezone.now()
    far = now + dt.timedelta(days=30)
    due_total = per_minute * minutes if due_from else 0
    made = Watch.objects.count()
    for start in range(0, n, 5000):
        size = min(5000, n - start)
        cases = Case.objects.bulk_create(
            [Case(vault=vault, reference=f"HV-{made + start + i:08X}") for i in range(size)]
        )
        CaseAssignment.objects.bulk_create([CaseAssignment(case=c, user=worker) for c in cases])
        watches = []
        for i, c in enumerate(cases):
            idx = made + start + i
            if due_from and idx < due_total:
                deadline = due_from + dt.timedelta(seconds=60 * idx / per_minute)
            else:
                deadline = far
            watches.append(
                Watch(
                    case=c,
                    interval_minutes=720,
                    grace_minutes=60,
                    pin_hash=pin,
                    next_deadline=deadline,
                    started_at=now,
                    state="up",
                    last_checkin_at=now,
                )
            )
        Watch.objects.bulk_create(watches)
    if not Channel.objects.filter(user=worker).exists():
        ch = Channel(user=worker, label="bench", priority=1)
        ch.encrypted_url = seal_url(ch.id, "outbox://bench")
        ch.save()


def idle_sweep_ms(runs: int = 30) -> float:
    from haven.safety.worker import run_once

    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run_once()
        samples.append((time.perf_counter() - t0) * 1000)
    return median(samples)


def latency(per_minute: int, minutes: int) -> tuple[float, float, int, int]:
    from django.utils import timezone

    from haven.safety.models import Delivery, Watch
    from haven.safety.worker import Worker

    expected = per_minute * minutes
    worker = Worker(sleep=0.5)
    thread = threading.Thread(target=worker.run)
    thread.start()
    end = timezone.now() + dt.timedelta(minutes=minutes, seconds=20)
    while timezone.now() < end:
        time.sleep(2)
    worker.stop()
    thread.join()
    delays = []
    deadlines = dict(Watch.objects.filter(state="down").values_list("case_id", "next_deadline"))
    from haven.safety.models import SafetyIncident

    incident_case = dict(SafetyIncident.objects.values_list("reference", "case_id"))
    for sent_at, reference in Delivery.objects.filter(status="sent").values_list(
        "sent_at", "notification__reference"
    ):
        case_id = incident_case.get(reference)
        if case_id in deadlines:
            delays.append((sent_at - deadlines[case_id]).total_seconds())
    return percentile(delays, 50), percentile(delays, 99), len(delays), expected


def _second_worker(now_iso: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    import django
    from django.db import connection

    django.setup()
    from haven.safety.worker import run_once

    connection.close()
    r = run_once(dt.datetime.fromisoformat(now_iso))
    out.put(r.watches_down)


def two_workers(count: int) -> tuple[int, int, int]:
    """Make `count` watches due, then run two worker processes at once on them."""
    from django.db import connection
    from django.utils import timezone

    from haven.safety.models import SafetyIncident, Watch

    past = timezone.now() - dt.timedelta(seconds=1)
    ids = list(Watch.objects.filter(state="up").values_list("id", flat=True)[:count])
    Watch.objects.filter(id__in=ids).update(next_deadline=past)
    connection.close()
    out: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    now_iso = timezone.now().isoformat()
    procs = [multiprocessing.Process(target=_second_worker, args=(now_iso, out)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    claimed = out.get() + out.get()
    incidents = SafetyIncident.objects.filter(watch_id__in=ids).count()
    duplicates = incidents - len(
        set(SafetyIncident.objects.filter(watch_id__in=ids).values_list("watch_id", flat=True))
    )
    missed = len(ids) - len(
        set(SafetyIncident.objects.filter(watch_id__in=ids).values_list("watch_id", flat=True))
    )
    return claimed, duplicates, missed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--watched", type=int, default=100_000)
    parser.add_argument("--per-minute", type=int, default=1000)
    parser.add_argument("--minutes", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("HAVEN_ARGON2_OPSLIMIT", "1")
    os.environ.setdefault("HAVEN_ARGON2_MEMLIMIT", str(8 * 1024 * 1024))
    setup()
    from django.db import connection
    from django.utils import timezone

    from haven.accounts.actions import create_staff_user
    from haven.safety.models import Watch

    print(f"database: {connection.vendor}")
    create_staff_user(
        actor=None, username="benchcw", roles=["caseworker"], password="bench password long"
    )
    t0 = time.perf_counter()
    make_watches(10_000, due_from=None, per_minute=args.per_minute, minutes=0)
    idle_10k = idle_sweep_ms()
    make_watches(args.watched - 10_000, due_from=None, per_minute=args.per_minute, minutes=0)
    idle_100k = idle_sweep_ms()
    print(f"created {Watch.objects.count():,} watches in {time.perf_counter() - t0:.0f} s")
    print(
        f"idle sweep: {idle_10k:.2f} ms at 10,000 watched; {idle_100k:.2f} ms at {args.watched:,} watched (median of 30)"
    )
    # Re-point deadlines so per-minute of them fall due over the next minutes, starting in 10 s
    # (one transaction: written one commit each, the first ones were already late when the
    # worker started, and the figure measured the set-up, not the worker).
    from django.db import transaction

    due_from = timezone.now() + dt.timedelta(seconds=10)
    ids = list(
        Watch.objects.order_by("id").values_list("id", flat=True)[: args.per_minute * args.minutes]
    )
    with transaction.atomic():
        for i, wid in enumerate(ids):
            Watch.objects.filter(pk=wid).update(
                next_deadline=due_from + dt.timedelta(seconds=60 * i / args.per_minute)
            )
    assert timezone.now() < due_from, "setting the deadlines took longer than the head start"
    p50, p99, n, expected = latency(args.per_minute, args.minutes)
    print(
        f"deadline -> channel: p50 {p50:.2f} s, p99 {p99:.2f} s over {n} alerts ({expected} deadlines; one worker, 0.5 s loop)"
    )
    claimed, duplicates, missed = two_workers(500)
    print(
        f"two workers on 500 due watches: claimed {claimed}, duplicates {duplicates}, missed {missed}"
    )


if __name__ == "__main__":
    main()

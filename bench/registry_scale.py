"""Matching a new missing-person report against a large registry, through the real code path.

    uv run python bench/registry_scale.py --registry 100000 --new 300

Builds a registry of N sealed, blind-indexed reports from the noisy records of
bench/names_dedup.py (several renderings of each person: schemes, case of word order, typos,
diminutives, birth years), then saves M further records through `haven.missing.actions
.save_report` (seal, index, find candidates, score them) and reports:

- time per save including matching (p50 / p95), and the database queries it makes;
- candidates per new report, and how many registry rows were decrypted to score them
  (finding them decrypts nothing: that is the point of the blind index);
- recall: of the new records whose person is already in the registry, how many got a
  pending suggestion naming one of that person's reports; precision of the suggestions
  (a suggestion is right if it names a report of the same person).

Throwaway SQLite database unless DATABASE_URL is set. `--reuse FILE` keeps the built registry
in FILE (SQLite) on the first run and starts from a copy of it on later ones, so that a
100,000-report registry is built once; `HAVEN_BENCH_CODE=/path/to/checkout` measures another
checkout's code on the same copy (the baseline, in the same session):

    uv run python bench/registry_scale.py --registry 100000 --new 100 --reuse /tmp/reg100k.sqlite3
    HAVEN_BENCH_CODE=/work/main uv run python bench/registry_scale.py ... --reuse (same file)
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _django import median, percentile, setup  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registry", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=300)
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--reuse", type=Path, help="SQLite file holding the built registry")
    args = parser.parse_args()
    reuse = args.reuse is not None and args.reuse.exists()
    setup(fast_argon2=True, database=args.reuse if reuse else None)

    import names_dedup
    from _django import snapshot
    from django.db import connection, reset_queries, transaction
    from django.test.utils import CaptureQueriesContext

    from haven.accounts.actions import create_staff_user
    from haven.accounts.models import Role, User
    from haven.missing import actions, matching
    from haven.missing.models import MatchCandidate, MissingPersonReport, RegistryIndexEntry
    from haven.testing.personas import keyring_for
    from haven.vault.keyring import OpenVault

    print(f"code: {Path(actions.__file__).resolve().parents[2]}", flush=True)
    if reuse:
        user = User.objects.get(username="bench")
        ring = keyring_for(user, "bench password long")
        vault = actions.set_up_registry(keyring=ring)
    else:
        user = create_staff_user(
            actor=None,
            username="bench",
            roles=[Role.DOCUMENTATION, Role.COORDINATOR],
            password="bench password long",
        ).user
        ring = keyring_for(user, "bench password long")
        try:
            from haven.vault.blind_index import set_up_index_vault
        except ImportError:  # a checkout from before the index moved to the vault (a baseline)
            from haven.cases.actions import set_up_index_vault  # type: ignore[attr-defined,no-redef]
        set_up_index_vault(actor=user, keyring=ring, members=[])
        vault = actions.set_up_registry(keyring=ring)
    opened = ring.open(vault)

    records = names_dedup.make_records(args.registry + args.new)
    rng = random.Random(11)
    birth = {}
    for r in records:
        birth.setdefault(r["person_id"], rng.randint(1960, 2006))
    # The new records: later renderings of people, most of whom are already in the registry.
    newcomers = records[args.registry :]
    base = records[: args.registry]

    t0 = time.perf_counter()
    for start in range(0, 0 if reuse else len(base), 2000):
        reports, entries = [], []
        for r in base[start : start + 2000]:
            report = MissingPersonReport(
                vault=vault, record_id=f"bench.invalid/{r['unique_id']}", name_indexed=True
            )
            report.reference = f"MP-{int(r['unique_id']):08X}"
            values = {"full_name": r["full_name"], "birth": {"year": birth[r["person_id"]]}}
            opened.seal(report, **values)
            reports.append(report)
            for value in matching.index_values(ring, matching.report_names(values)) or ():
                entries.append(RegistryIndexEntry(report=report, value=value))
        with transaction.atomic():
            MissingPersonReport.objects.bulk_create(reports)
            RegistryIndexEntry.objects.bulk_create(entries)
    build = time.perf_counter() - t0
    if args.reuse is not None and not reuse:
        snapshot(args.reuse)
    print(
        f"registry of {MissingPersonReport.objects.count():,} reports "
        f"{'reused' if reuse else f'built in {build:.0f} s'} "
        f"({RegistryIndexEntry.objects.count():,} index entries)",
        flush=True,
    )

    unsealed: list[object] = []
    real_unseal = OpenVault.unseal

    def counting(self, obj, name):  # type: ignore[no-untyped-def]
        unsealed.append(obj.pk)
        return real_unseal(self, obj, name)

    OpenVault.unseal = counting  # type: ignore[method-assign]
    by_record = {f"bench.invalid/{r['unique_id']}": r["person_id"] for r in base}
    persons_in_registry = {r["person_id"] for r in base}
    times, queries, decrypted, candidates = [], [], [], []
    hits = expected = right = suggested = 0
    for r in newcomers:
        unsealed.clear()
        reset_queries()  # the query log keeps 9,000 entries; start each count from empty
        values = {"full_name": r["full_name"], "birth": {"year": birth[r["person_id"]]}}
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            made = actions.save_report(keyring=ring, values=values)
            times.append(time.perf_counter() - start)
        queries.append(len(ctx.captured_queries))
        decrypted.append(len({pk for pk in unsealed if pk != made.pk}))
        found = MatchCandidate.objects.filter(
            decision=MatchCandidate.Decision.PENDING, other_report__isnull=False
        ).filter(report=made) | MatchCandidate.objects.filter(
            decision=MatchCandidate.Decision.PENDING, report__isnull=False, other_report=made
        )
        others = {
            c.other_report.record_id if c.report_id == made.pk else c.report.record_id
            for c in found.select_related("report", "other_report")
        }
        candidates.append(
            MatchCandidate.objects.filter(report=made).count()
            + MatchCandidate.objects.filter(other_report=made).count()
        )
        same = {o for o in others if by_record.get(o) == r["person_id"]}
        suggested += len(others)
        right += len(same)
        if r["person_id"] in persons_in_registry:
            expected += 1
            hits += bool(same)
            if not same and args.show_misses:
                names = [
                    b["full_name"]
                    for b in records[: args.registry + newcomers.index(r)]
                    if b["person_id"] == r["person_id"]
                ]
                print(f"  missed: {r['full_name']!r} (registered as {names})")
        by_record[made.record_id] = r["person_id"]
        persons_in_registry.add(r["person_id"])
    OpenVault.unseal = real_unseal  # type: ignore[method-assign]

    ms = [t * 1000 for t in times]
    print(f"new reports saved and matched: {len(times)}")
    print(f"time per save incl. matching: p50 {median(ms):.1f} ms, p95 {percentile(ms, 95):.1f} ms")
    print(f"queries per save: median {median(queries):.0f}, max {max(queries)}")
    print(f"candidates per new report: median {median(candidates):.0f}, max {max(candidates)}")
    print(
        f"registry rows decrypted per new report: median {median(decrypted):.0f}, "
        f"max {max(decrypted)} (of {args.registry:,})"
    )
    print(
        f"recall (a person already registered got a suggestion naming them): "
        f"{hits}/{expected} = {hits / max(expected, 1):.3f}"
    )
    print(
        f"precision of pending suggestions: {right}/{suggested} = {right / max(suggested, 1):.3f}"
    )


if __name__ == "__main__":
    main()

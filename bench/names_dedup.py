"""Deduplicate a synthetic missing-persons registry: our keys + match_names vs splink (DuckDB).

Records are generated from the tables of bench/make_name_pairs.py (not from haven.lib.names):
each person appears 2-3 times, each time in Cyrillic or one of that script's transliteration
schemes, with or without patronymic, in either order, sometimes with a diminutive or sound
variant of the given name and sometimes with one typo.

- ours: blocking on pairs of name_keys() from two different tokens of a record (so a typo in
  one token still leaves another pair), then match_names() on every candidate pair.
- splink 5 (DuckDB backend): gets the *structured* fields (given name, surname, patronymic)
  transliterated to Latin with iuliia's Wikipedia scheme and stripped of diacritics -- a
  generous baseline, since ours only sees the full-name string in random order. Model: name
  comparisons with Jaro-Winkler levels, u from random sampling, m by EM, then predict.

Prints pairs found, precision and recall against the true person ids, and wall times.

Usage: uv run --group bench python bench/names_dedup.py [--n 100000] [--splink-n 100000]
       uv run python bench/names_dedup.py --skip-splink   (ours alone: no `bench` group needed)
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import time
import unicodedata
from collections import defaultdict
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import make_name_pairs as tables  # noqa: E402  (the generator's own, independent tables)

from haven.lib.names import match_names, name_keys  # noqa: E402
from haven.lib.names.parse import parse_name, split_tokens  # noqa: E402

SEED = 7_2026
# Extra surnames made the Chechen way (given name + suffix), so namesakes stay rare-ish.
_SUFFIXES = ["ов", "ханов", "беков", "султанов", "гериев", "хаджиев"]


def _surnames() -> list[str]:
    extra = []
    for name in tables.MALE:
        stem = name[:-1] if name[-1] in "аеиоуыэюяйь" else name
        extra.extend(stem + suffix for suffix in _SUFFIXES)
    return sorted(set(tables.SURNAMES) | set(extra))


def make_records(n: int, seed: int = SEED) -> list[dict[str, str | int | None]]:
    rng = random.Random(seed)
    surnames = _surnames()
    schemes = list(tables.SCHEMES)
    records: list[dict[str, str | int | None]] = []
    person = 0
    while len(records) < n:
        person += 1
        gender = rng.choice("MF")
        names = tables.MALE if gender == "M" else tables.FEMALE
        given = rng.choice(list(names))
        surname = rng.choice(surnames)
        family = surname if gender == "M" else tables.feminine(surname)
        father = rng.choice(list(tables.MALE))
        patr = tables.patronymic(father, gender)
        for _ in range(rng.choice([2, 2, 3])):
            if len(records) >= n:
                break
            scheme = rng.choice([None, None, *schemes])
            first = given
            if names[given] and rng.random() < 0.1:
                first = rng.choice(names[given])
            fields = {
                "given": first,
                "surname": family,
                "patronymic": patr if rng.random() < 0.75 else None,
            }
            for key, value in fields.items():
                if value and scheme and not tables._is_latin(value):
                    fields[key] = tables.render(value, scheme)
            if rng.random() < 0.15:
                key = rng.choice(["given", "surname"])
                fields[key] = tables.typo(rng, str(fields[key]))
            parts = (
                [fields["given"], fields["patronymic"]]
                if fields["patronymic"]
                else [fields["given"]]
            )
            full = (
                [fields["surname"], *parts] if rng.random() < 0.5 else [*parts, fields["surname"]]
            )
            records.append(
                {
                    "unique_id": len(records),
                    "person_id": person,
                    "full_name": " ".join(str(p) for p in full),
                    "canon": (given, surname, father if fields["patronymic"] else None),
                    **fields,
                }
            )
    return records


def true_pairs(records: list[dict]) -> set[tuple[int, int]]:
    by_person: dict[int, list[int]] = defaultdict(list)
    for r in records:
        by_person[r["person_id"]].append(r["unique_id"])
    return {(a, b) for ids in by_person.values() for a, b in combinations(sorted(ids), 2)}


def _same_given(a: str, b: str) -> bool:
    table = tables.MALE | tables.FEMALE
    return a == b or b in table.get(a, []) or a in table.get(b, [])


def namesakes(records: list[dict], pairs: set[tuple[int, int]]) -> int:
    """Pairs of different people whose names cannot tell them apart: the same given name (or
    a listed variant of it), surnames at most one typo apart, and patronymics equal or one
    missing. No name matcher can separate these; a registry needs other fields (birth year)."""
    by_id = {int(r["unique_id"]): r for r in records}
    count = 0
    for a, b in pairs:
        ca, cb = by_id[a]["canon"], by_id[b]["canon"]
        if by_id[a]["person_id"] == by_id[b]["person_id"]:
            continue
        given = _same_given(ca[0], cb[0])
        surname = tables.levenshtein(ca[1], cb[1]) <= 1
        patr = ca[2] is None or cb[2] is None or ca[2] == cb[2]
        count += given and surname and patr
    return count


def report(
    label: str,
    found: set[tuple[int, int]],
    truth: set[tuple[int, int]],
    seconds: float,
    records: list[dict],
) -> None:
    tp = len(found & truth)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth) if truth else 0.0
    undecidable = namesakes(records, found - truth)
    decidable = len(found) - undecidable
    clean = tp / decidable if decidable else 0.0
    print(
        f"{label}: pairs found {len(found):,}  true pairs {len(truth):,}  "
        f"precision {precision:.4f}  recall {recall:.4f}  wall {seconds:.1f} s  "
        f"(false pairs that are namesakes by name alone: {undecidable:,}; precision without them {clean:.4f})",
        flush=True,
    )


def dedupe_ours(
    records: list[dict], max_block: int = 2000
) -> tuple[set[tuple[int, int]], dict[str, float]]:
    timings: dict[str, float] = {}
    start = time.perf_counter()
    blocks: dict[int, list[int]] = defaultdict(list)
    for r in records:
        full = str(r["full_name"])
        token_keys = [name_keys(t) for t in split_tokens(full)]
        seen: set[int] = set()
        for ka, kb in combinations(token_keys, 2):
            seen.update(hash((a, b) if a <= b else (b, a)) for a in ka for b in kb)
        # A typo changes one token's keys: also block on one core token's skeleton key with
        # each one-symbol deletion of another core token's skeleton (symmetric-delete).
        core = [
            [k for k in name_keys(t.raw) if k.startswith("s:")] for t in parse_name(full).tokens
        ]
        for ka, kb in combinations(core, 2):
            for exact, other in ((ka, kb), (kb, ka)):
                for k in other:
                    skel = k[2:]
                    for i in range(len(skel)):
                        deleted = skel[:i] + skel[i + 1 :]
                        seen.update(hash((a, "d:" + deleted)) for a in exact)
                    seen.update(hash((a, "d:" + skel)) for a in exact)
        for block in seen:
            blocks[block].append(int(r["unique_id"]))
    candidates: set[tuple[int, int]] = set()
    skipped = 0
    for ids in blocks.values():
        if len(ids) > max_block:
            skipped += 1
            continue
        candidates.update((a, b) if a < b else (b, a) for a, b in combinations(ids, 2))
    timings["blocking"] = time.perf_counter() - start
    start = time.perf_counter()
    names = {int(r["unique_id"]): str(r["full_name"]) for r in records}
    found = {(a, b) for a, b in candidates if match_names(names[a], names[b]).same}
    timings["scoring"] = time.perf_counter() - start
    timings["candidates"] = float(len(candidates))
    timings["skipped_blocks"] = float(skipped)
    return found, timings


def _latin(value: str | None) -> str | None:
    if value is None:
        return None
    import iuliia

    text = iuliia.WIKIPEDIA.translate(value).lower()
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if ch.isalpha() and not unicodedata.combining(ch)) or None


def _skeleton(value: str | None) -> str | None:
    from haven.lib.names.translit import fine_skeletons

    readings = fine_skeletons(value) if value else ()
    return readings[0] if readings else None


def dedupe_splink(
    records: list[dict], thresholds: list[float], features: str = "latin"
) -> dict[float, set[tuple[int, int]]]:
    """Splink's documented unsupervised workflow: random-sampling u, EM for m on two blocking
    rules, then predict over a union of blocking rules."""
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    prepare = _latin if features == "latin" else _skeleton
    rows = [
        {
            "unique_id": r["unique_id"],
            "first_name": prepare(r["given"]),
            "surname": prepare(r["surname"]),
            "patronymic": prepare(r["patronymic"]),
        }
        for r in records
    ]
    db_api = DuckDBAPI()
    table = db_api.register(rows, dataset_display_name="registry")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.NameComparison("patronymic"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("substr(surname, 1, 2)", "substr(first_name, 1, 2)"),
            block_on("substr(first_name, 1, 3)", "substr(patronymic, 1, 3)"),
            block_on("substr(surname, 1, 4)"),
        ],
    )
    linker = Linker(table, settings, log_level=30)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname")], recall=0.5
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    trained = linker.misc.save_model_to_json()
    print(
        f"splink trained probability_two_random_records_match: {trained['probability_two_random_records_match']:.3g}"
    )
    predictions = linker.inference.predict(threshold_match_probability=min(thresholds))
    scored = predictions.as_duckdbpyrelation().select("unique_id_l, unique_id_r, match_probability")
    found: dict[float, set[tuple[int, int]]] = {t: set() for t in thresholds}
    for a, b, probability in scored.fetchall():
        for t in thresholds:
            if probability >= t:
                found[t].add((a, b) if a < b else (b, a))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument(
        "--splink-n", type=int, default=None, help="records for splink (default --n)"
    )
    parser.add_argument("--skip-splink", action="store_true")
    parser.add_argument(
        "--splink-features",
        choices=["latin", "skeleton"],
        default="latin",
        help="latin: iuliia Wikipedia transliteration (baseline); skeleton: our vowel-keeping skeletons",
    )
    args = parser.parse_args()
    if not args.skip_splink and importlib.util.find_spec("splink") is None:
        # Checked first: ours takes minutes at 100k, and would be thrown away by a late ImportError.
        sys.exit("splink is in the bench group: uv run --group bench python bench/names_dedup.py")

    records = make_records(args.n)
    truth = true_pairs(records)
    persons = len({r["person_id"] for r in records})
    print(f"records {len(records):,}  persons {persons:,}  true pairs {len(truth):,}")

    start = time.perf_counter()
    found, timings = dedupe_ours(records)
    total = time.perf_counter() - start
    print(
        f"ours: blocking {timings['blocking']:.1f} s, {int(timings['candidates']):,} candidate pairs "
        f"({int(timings['skipped_blocks'])} oversized blocks skipped), scoring {timings['scoring']:.1f} s "
        f"({timings['candidates'] / timings['scoring']:,.0f} pairs/s)"
    )
    report("ours", found, truth, total, records)

    if args.skip_splink:
        return
    n_splink = args.splink_n or args.n
    subset = records[:n_splink]
    subset_truth = true_pairs(subset)
    if n_splink != args.n:
        start = time.perf_counter()
        sub_found, _ = dedupe_ours(subset)
        report(f"ours@{n_splink:,}", sub_found, subset_truth, time.perf_counter() - start, subset)
    start = time.perf_counter()
    thresholds = [0.5, 0.9, 0.99]
    splink_found = dedupe_splink(subset, thresholds, args.splink_features)
    elapsed = time.perf_counter() - start
    for t in thresholds:
        label = f"splink[{args.splink_features}]@{n_splink:,} p>={t}"
        report(label, splink_found[t], subset_truth, elapsed, subset)


if __name__ == "__main__":
    main()

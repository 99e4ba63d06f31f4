"""Precision, recall, F1 and throughput of the name matcher on bench/data/name_pairs.tsv.

Usage: uv run python bench/names_accuracy.py [--pairs bench/data/name_pairs.tsv] [--errors]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

from haven.lib.names.cli import run_match
from haven.lib.names.match import match_names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pairs", type=Path, default=Path(__file__).parent / "data" / "name_pairs.tsv"
    )
    parser.add_argument("--errors", action="store_true", help="print misclassified pairs")
    args = parser.parse_args()
    rows = [line.split("\t") for line in args.pairs.read_text(encoding="utf-8").splitlines()[1:]]
    labels = [int(r[2]) for r in rows]
    inp = io.StringIO("".join(f"{r[0]}\t{r[1]}\n" for r in rows))
    out = io.StringIO()
    # Warm the lazy caches (pymorphy3 dictionary) outside the timed run, then time a cold-cache
    # pass over every pair: the parse caches are cleared so each name is analysed afresh.
    match_names("Исаев Ислам", "Isaev Islam")
    from haven.lib.names import morph, parse, translit

    for cached in (
        parse.parse_name,
        parse.analyse_token,
        morph.name_lemmas,
        morph.given_name_readings,
        translit.canonical_latin,
        translit.skeletons,
        translit.full_skeletons,
        translit.fine_skeletons,
    ):
        cached.cache_clear()
    start = time.perf_counter()
    run_match(inp, out)
    elapsed = time.perf_counter() - start
    warm_start = time.perf_counter()
    run_match(io.StringIO(inp.getvalue()), io.StringIO())
    warm = time.perf_counter() - warm_start
    decisions = [int(line.split("\t")[1]) for line in out.getvalue().splitlines()]
    tp = sum(1 for d, y in zip(decisions, labels, strict=True) if d and y)
    fp = sum(1 for d, y in zip(decisions, labels, strict=True) if d and not y)
    fn = sum(1 for d, y in zip(decisions, labels, strict=True) if not d and y)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"pairs: {len(rows)} (positives {sum(labels)})")
    print(f"precision: {precision:.4f}  recall: {recall:.4f}  F1: {f1:.4f}")
    print(f"throughput: {len(rows) / elapsed:,.0f} pairs/s (cold caches, {elapsed:.2f} s)")
    print(f"throughput: {len(rows) / warm:,.0f} pairs/s (names already analysed, {warm:.2f} s)")
    if args.errors:
        for r, d in zip(rows, decisions, strict=True):
            if d != int(r[2]):
                res = match_names(r[0], r[1])
                print(
                    f"{'FP' if d else 'FN'}\t{r[3]}\t{r[0]}\t{r[1]}\t{res.score}\t{res.reason}",
                    file=sys.stdout,
                )


if __name__ == "__main__":
    main()

"""PFIF at scale: a 100,000-person file read in bounded memory, and the full import's cost.

    nice -n 10 uv run python bench/pfif_scale.py --persons 100000 --import 2000 --runs 3

Generates a synthetic PFIF 1.4 file (fictional names, Cyrillic and Latin, one note per person at
the top level, after all the persons, as a note feed delivers them) and the same content with
the notes nested in their person (what the old importer could read). Then, medians of `--runs`:

1. baseline: plain ``xml.etree.ElementTree.iterparse`` over the same file, clearing each record
   (no validation, no Haven work): the floor for reading this much XML in Python;
2. ``haven.missing.pfif.check``: the streaming validating pass (defusedxml, every field of every
   record checked, record ids remembered as digests);
3. the importer before this change (``git show cca262c:haven/missing/pfif.py``'s ``parse``): the
   whole document as one tree, on the nested file (it refused top-level notes);
4. the full import (``import_stream``: both passes, sealing, blind index, matching, audit) of a
   ``--import``-person file into an empty registry on a throwaway SQLite database (each size
   into the registry the earlier sizes left), next to plain iterparse of that same file.

The code measured is this checkout's, or the checkout named by ``HAVEN_BENCH_CODE`` (a copy of
an older commit, ``git archive <commit> haven | tar -x -C DIR``): the way to measure the code
before a change in the same session, under the same load.

Time is wall-clock without tracing; peak memory is tracemalloc's peak of Python allocations
during the operation, measured in a separate run (tracing slows the code), so the figures
compare how each grows with the file, not the process's whole footprint.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _django import median, setup  # noqa: E402

NS = "http://zesty.ca/pfif/1.4"
GIVEN = ["Хасан", "Zelimkhan", "Лёма", "Ruslan", "Ислам", "Adam", "Магомед", "Timur", "Аслан"]
FAMILY = ["Абдулаев", "Bakaev", "Дакаев", "Magomadov", "Исаев", "Umarov", "Ахмадов", "Saidov"]
BASE_COMMIT = "cca262c"


# The realistic spread (the default; `--names bench72` keeps the old 72 names for comparison):
# synthetic names from the tables of bench/make_name_pairs.py (given names with their
# diminutives, patronymics, feminine and case forms, transliteration schemes, typos) plus
# thousands of family and given names built from syllables, drawn with a Zipf-like frequency so
# that a few surnames are common, as in real registries. Nothing is downloaded.
# Zipf-Mandelbrot: the name of rank r is drawn with weight 1 / (r + q)^s. With these, the
# commonest surname is about 1.5% of the people (all its spellings), the commonest given name
# about 5%.
ZIPF_FAMILY = (1.0, 10)
ZIPF_GIVEN = (1.1, 3)
FAMILY_COUNT = 6000
GIVEN_COUNT = 2500
# A person in the file is now and then a second report of an earlier one (the commonest
# duplicate is within one partner's file), written differently.
REPEAT = 0.05
NAMES_SEED = 18_100_000


class _Names:
    """Deterministic per person index: person i of a file has the same identity every time."""

    def __init__(self, kind: str, seed: int = 0) -> None:
        import make_name_pairs as tables

        self.kind, self.seed, self.t = kind, seed, tables
        if kind == "bench72":
            return
        rng = random.Random(NAMES_SEED)
        onsets = list("бвгдзкл") + ["м", "н", "р", "с", "т", "х", "ш", "ч", "ж", "ц", "хь", "кх"]
        vowels = list("аиоуе") + ["я", "ю"]
        codas = ["", "", "", "р", "н", "л", "м", "с", "т", "х", "д", "б"]
        suffixes = ["ов", "ев", "аев", "иев", "ин", "ханов", "беков", "гериев", "султанов"]

        def stem(syllables: int) -> str:
            word = (
                "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(syllables - 1))
                + rng.choice(onsets)
                + rng.choice(vowels)
                + rng.choice(codas)
            )
            return word.rstrip("аеиоуяю") or word

        family = list(dict.fromkeys(tables.SURNAMES))
        seen = set(family)
        while len(family) < FAMILY_COUNT:
            name = (stem(rng.choice([1, 2, 2, 3])) + rng.choice(suffixes)).capitalize()
            if name not in seen and len(name) >= 4:
                seen.add(name)
                family.append(name)
        given_m = list(tables.MALE)
        given_f = list(tables.FEMALE)
        seen = set(given_m) | set(given_f)
        while len(given_m) + len(given_f) < GIVEN_COUNT:
            base = stem(rng.choice([2, 2, 3])).capitalize()
            male = rng.random() < 0.6
            name = base + (
                rng.choice(["", "ан", "ид", "ур"]) if male else rng.choice(["а", "ат", "ия"])
            )
            if name not in seen and len(name) >= 3:
                seen.add(name)
                (given_m if male else given_f).append(name)
        # Real-world heads first (the tables' names are the common ones), then the rest shuffled.
        head_f, tail_f = family[:40], family[40:]
        rng.shuffle(tail_f)
        self.family = head_f + tail_f
        self.given = {"M": given_m, "F": given_f}
        self.weights = {
            "family": self._zipf(len(self.family), ZIPF_FAMILY),
            "M": self._zipf(len(given_m), ZIPF_GIVEN),
            "F": self._zipf(len(given_f), ZIPF_GIVEN),
        }

    @staticmethod
    def _zipf(n: int, shape: tuple[float, int]) -> list[float]:
        s, q = shape
        total, out = 0.0, []
        for rank in range(1, n + 1):
            total += (rank + q) ** -s
            out.append(total)
        return out

    def original(self, i: int) -> int | None:
        """The earlier person of the same file that person i is a second report of, if any."""
        if self.kind == "bench72" or i == 0:
            return None
        rng = random.Random(self.seed * 10_000_019 + i)
        return rng.randrange(max(0, i - 5000), i) if rng.random() < REPEAT else None

    def _identity(self, i: int) -> tuple[str, str, str, str, int]:
        rng = random.Random(self.seed * 10_000_019 + i)
        if i > 0 and rng.random() < REPEAT:
            return self._identity(rng.randrange(max(0, i - 5000), i))
        gender = "M" if rng.random() < 0.7 else "F"
        given = rng.choices(self.given[gender], cum_weights=self.weights[gender])[0]
        family = rng.choices(self.family, cum_weights=self.weights["family"])[0]
        father = rng.choices(self.given["M"], cum_weights=self.weights["M"])[0]
        return gender, given, family, father, rng.randint(1950, 2010)

    def person(self, i: int) -> tuple[str, str, str, int]:
        """(given, family, full name, birth year) of person i."""
        if self.kind == "bench72":
            given, family = GIVEN[i % len(GIVEN)], FAMILY[(i // len(GIVEN)) % len(FAMILY)]
            return given, family, f"{given} {family} {i}", 1970 + i % 40
        t = self.t
        gender, given, family, father, year = self._identity(i)
        rng = random.Random(self.seed * 10_000_019 + i + 7_777_777)
        variants = (t.MALE if gender == "M" else t.FEMALE).get(given) or []
        if variants and rng.random() < 0.15:
            given = rng.choice(variants)  # a diminutive or another spelling
        if gender == "F":
            family = t.feminine(family)
        if rng.random() < 0.08 and not t._is_latin(given):
            gen = t.genitive_given(given, gender)
            if gen is not None:
                given, family = gen, t.genitive_surname(family, gender)
        patr = t.patronymic(father, gender) if rng.random() < 0.4 else None
        scheme = rng.choice([None, None, None, *t.SCHEMES])
        parts = {"given": given, "family": family, "patr": patr}
        for key, value in parts.items():
            if value and scheme and not t._is_latin(value):
                parts[key] = t.render(value, scheme)
        if rng.random() < 0.05:
            key = rng.choice(["given", "family"])
            parts[key] = t.typo(rng, str(parts[key]))
        first = [parts["given"], *([parts["patr"]] if parts["patr"] else [])]
        full = [parts["family"], *first] if rng.random() < 0.3 else [*first, parts["family"]]
        if rng.random() < 0.1:
            year += rng.choice([-1, 1])
        return str(parts["given"]), str(parts["family"]), " ".join(map(str, full)), year


def _person(i: int, names: _Names, nested_note: str = "") -> str:
    given, family, full, year = (escape(x) if isinstance(x, str) else x for x in names.person(i))
    return (
        "<pfif:person>"
        f"<pfif:person_record_id>bench.example/p{i}</pfif:person_record_id>"
        "<pfif:entry_date>2026-10-01T10:00:00Z</pfif:entry_date>"
        "<pfif:author_name>Partner desk</pfif:author_name>"
        "<pfif:source_date>2026-10-01T09:00:00Z</pfif:source_date>"
        f"<pfif:full_name>{full}</pfif:full_name>"
        f"<pfif:given_name>{given}</pfif:given_name><pfif:family_name>{family}</pfif:family_name>"
        "<pfif:sex>male</pfif:sex>"
        f"<pfif:date_of_birth>{year}</pfif:date_of_birth>"
        "<pfif:home_city>Grozny</pfif:home_city>"
        "<pfif:description>Fictional person generated for a benchmark.</pfif:description>"
        f"{nested_note}</pfif:person>\n"
    )


def _note(i: int, with_person: bool) -> str:
    owner = f"<pfif:person_record_id>bench.example/p{i}</pfif:person_record_id>"
    return (
        "<pfif:note>"
        f"<pfif:note_record_id>bench.example/n{i}</pfif:note_record_id>"
        f"{owner if with_person else ''}"
        "<pfif:entry_date>2026-10-02T10:00:00Z</pfif:entry_date>"
        "<pfif:author_name>Partner desk</pfif:author_name>"
        "<pfif:source_date>2026-10-02T09:00:00Z</pfif:source_date>"
        "<pfif:status>believed_alive</pfif:status>"
        "<pfif:text>Seen at a checkpoint, according to a released detainee.</pfif:text>"
        "</pfif:note>\n"
    )


def generate(path: Path, persons: int, *, top_level: bool, names: _Names | None = None) -> None:
    names = names or _Names("realistic")
    with open(path, "w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<pfif:pfif xmlns:pfif="{NS}">\n')
        for i in range(persons):
            out.write(_person(i, names, "" if top_level else _note(i, False)))
        if top_level:
            for i in range(persons):
                out.write(_note(i, True))
        out.write("</pfif:pfif>\n")


def plain_iterparse(path: Path) -> int:
    """The baseline: read every record, keep nothing."""
    count = 0
    root = None
    # Our own generated file, read without defusedxml on purpose: the bare floor.
    for event, el in ET.iterparse(path, events=("start", "end")):  # noqa: S314
        if root is None:
            root = el
            continue
        if event == "end" and el.tag in (f"{{{NS}}}person", f"{{{NS}}}note"):
            count += 1
            root.clear()
    return count


def measure(fn: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """Median seconds over `runs` untraced runs, and the tracemalloc peak (MB) of one more."""
    times = []
    value = None
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    gc.collect()
    tracemalloc.start()
    fn()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return median(times), peak / 1e6, value


def old_module(root: Path) -> Any:
    source = subprocess.run(
        ["git", "show", f"{BASE_COMMIT}:haven/missing/pfif.py"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout
    path = Path(tempfile.mkdtemp(prefix="pfif-old-")) / "pfif_old.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("pfif_old", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["pfif_old"] = module
    spec.loader.exec_module(module)
    return module


def repeats_found(names: _Names, persons: int, domain: str) -> tuple[int, int, int]:
    """(second reports in the file, suggested with their first report, not dismissed):
    the matcher's recall on the file's own duplicates, from the generator's truth."""
    from django.db.models import Q

    from haven.missing.models import MatchCandidate, MissingPersonReport

    truth = {}
    for i in range(persons):
        j = names.original(i)
        if j is not None:
            truth[f"{domain}/p{i}"] = f"{domain}/p{j}"
    ids = dict(
        MissingPersonReport.objects.filter(record_id__startswith=f"{domain}/").values_list(
            "record_id", "pk"
        )
    )
    # Both sides of a true pair are in the file, so its report side is too.
    pairs = {
        frozenset((a, b)): decision != MatchCandidate.Decision.DISMISSED
        for a, b, decision in MatchCandidate.objects.filter(
            Q(report__record_id__startswith=f"{domain}/"), other_report__isnull=False
        ).values_list("report_id", "other_report_id", "decision")
    }
    found = same = 0
    for a, b in truth.items():
        key = frozenset((ids[a], ids[b]))
        if key in pairs:
            found += 1
            same += bool(pairs[key])
    return len(truth), found, same


def _rss_mb() -> float:
    """Resident set size of this process (Linux), 0 elsewhere."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _name_cache_entries() -> int:
    """Entries held by haven.lib.names's lru_caches (bounded by their maxsize, process-wide)."""
    import importlib
    import pkgutil

    import haven.lib.names as package

    caches = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"haven.lib.names.{info.name}")
        for value in vars(module).values():
            if callable(getattr(value, "cache_info", None)):
                caches[id(value)] = value  # once, though several modules import it
    return sum(cache.cache_info().currsize for cache in caches.values())


class _Window:
    """cProfile and every SQL statement timed (``connection.execute_wrappers``) over records
    START to END of the writing pass of the import that reaches them: a profile at a registry
    size that only a long import reaches, without building and keeping such a registry."""

    def __init__(self, spec: str, out: Path) -> None:
        self.start, self.end = (int(x) for x in spec.split(","))
        self.out = out
        self.profile: Any = None
        self.sql: dict[str, list[float]] = {}
        self.done = False

    def _wrapper(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        import re

        # One line per statement shape: IN lists, VALUES rows and UNION ALL parts collapsed.
        key = re.sub(r"(%s, )+%s", "%s...", re.sub(r"\bpart\d+|\"s\d+_x\d+\"", "N", sql))
        key = re.sub(r"(\(%s\.\.\.\), )+\(%s\.\.\.\)", "(%s...), ...", key)
        parts = key.split(" UNION ALL ")
        key = " UNION ALL ".join(dict.fromkeys(parts)) + (
            " UNION ALL ..." if len(parts) > 1 else ""
        )
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.sql.setdefault(key, []).append(time.perf_counter() - t)

    def __call__(self, stage: str, done: int) -> None:
        import cProfile

        from django.db import connection

        if self.done or stage != "import":
            return
        if self.profile is None and done == self.start:
            from haven.missing.models import MissingPersonReport

            print(
                f"profile window: records {self.start}-{self.end}, registry "
                f"{MissingPersonReport.objects.count()} reports",
                flush=True,
            )
            self.cpu = time.process_time()
            self.profile = cProfile.Profile()
            connection.execute_wrappers.append(self._wrapper)
            self.profile.enable()
        elif self.profile is not None and done == self.end:
            import pstats

            self.profile.disable()
            cpu = time.process_time() - self.cpu
            connection.execute_wrappers.remove(self._wrapper)
            self.done = True
            self.profile.dump_stats(self.out.with_suffix(".pstats"))
            total = sum(sum(v) for v in self.sql.values())
            with open(self.out.with_suffix(".txt"), "w") as f:
                f.write(f"records {self.start}-{self.end}: {cpu:.1f} s CPU under cProfile\n")
                pstats.Stats(self.profile, stream=f).sort_stats("cumulative").print_stats(45)
                pstats.Stats(self.profile, stream=f).sort_stats("tottime").print_stats(30)
                f.write(f"SQL: {sum(map(len, self.sql.values()))} statements, {total:.2f} s\n")
                rows = sorted(self.sql.items(), key=lambda kv: -sum(kv[1]))
                for sql, times in rows[:25]:
                    f.write(
                        f"{sum(times):8.3f} s {len(times):7d}x {1e3 * sum(times) / len(times):7.3f}"
                        f" ms  {sql[:400]}\n"
                    )
            print(f"profile window done: {cpu:.1f} s CPU, written to {self.out}.*", flush=True)


def _progress(args: argparse.Namespace) -> Callable[[str, int, int], None] | None:
    """The import command's bar, plus a rate line every 1,000 records (to stdout)."""
    if args.profile_window and not hasattr(args, "window"):
        args.window = _Window(args.profile_window, args.profile_out)  # one for the whole run
    window = getattr(args, "window", None)
    if not args.progress:
        return None if window is None else lambda stage, done, _total: window(stage, done)
    from django.core.management.base import OutputWrapper

    from haven.missing.management.commands.pfif import _Bar

    bar = _Bar(OutputWrapper(sys.stderr))
    last = [0, time.perf_counter(), time.process_time()]

    def report(stage: str, done: int, total: int) -> None:
        if window is not None:
            window(stage, done)
        bar(stage, done, total)
        if stage == "import" and (done - last[0] >= 1000 or done == total) and done > last[0]:
            from haven.missing.models import MissingPersonReport

            wall, cpu = time.perf_counter(), time.process_time()
            n = done - last[0]
            traced = ""
            if tracemalloc.is_tracing():
                current, peak = tracemalloc.get_traced_memory()
                traced = f", traced {current / 1e6:.1f} MB (peak {peak / 1e6:.1f})"
            print(
                f"  rate: records {last[0]}-{done} of {total}: {n / (wall - last[1]):.1f}/s wall, "
                f"{n / max(cpu - last[2], 1e-9):.1f}/s CPU; registry "
                f"{MissingPersonReport.objects.count()} reports; RSS {_rss_mb():.0f} MB{traced}; "
                f"name caches {_name_cache_entries():,} entries",
                flush=True,
            )
            last[:] = [done, wall, cpu]

    return report


def _where(trace: Any, frames: int = 4) -> str:
    """The innermost `frames` frames of a traceback, Haven's and the bench's first."""
    own = [f for f in trace if "/haven/" in f.filename or "/bench/" in f.filename]
    shown = (own or list(trace))[:frames]
    return " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in shown)


def _traced_import(
    pfif: Any, ring: Any, path: Path, persons: int, args: argparse.Namespace
) -> float:
    """One import under tracemalloc (`--trace-frames` frames a trace): its peak, and what grew
    between the first 1,000 persons and the last (snapshots compared by traceback), and what
    stays allocated after it. Returns the peak in MB."""
    marks = sorted({min(1000, persons), persons})
    snaps: dict[int, tracemalloc.Snapshot] = {}
    inner = _progress(args)
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]

    def hook(stage: str, done: int, total: int) -> None:
        if inner is not None:
            inner(stage, done, total)
        if stage == "import" and done in marks and done not in snaps:
            gc.collect()
            snaps[done] = tracemalloc.take_snapshot().filter_traces(ignore)
            print(
                f"  snapshot at {done} persons: traced "
                f"{tracemalloc.get_traced_memory()[0] / 1e6:.1f} MB, name caches "
                f"{_name_cache_entries():,} entries",
                flush=True,
            )

    gc.collect()
    tracemalloc.start(args.trace_frames)
    cpu = time.process_time()
    pfif.import_stream(keyring=ring, open_stream=lambda: open(path, "rb"), progress=hook)
    cpu = time.process_time() - cpu
    _current, peak = tracemalloc.get_traced_memory()
    gc.collect()
    after = tracemalloc.take_snapshot().filter_traces(ignore)
    current = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(
        f"traced import of {persons} persons + {persons} notes: peak {peak / 1e6:.1f} MB, "
        f"{current / 1e6:.1f} MB still allocated after it, {cpu:.1f} s CPU (traced)",
        flush=True,
    )
    if len(snaps) == 2:
        first, last = (snaps[m] for m in marks)
        print(f"  grew from {marks[0]} to {marks[1]} persons (top 12 by traceback):")
        for stat in last.compare_to(first, "traceback")[:12]:
            print(
                f"    {stat.size_diff / 1e6:+8.2f} MB {stat.count_diff:+9,d} blocks  "
                f"{_where(stat.traceback)}"
            )
    print("  allocated after the import (top 8 by traceback):")
    for stat in after.statistics("traceback")[:8]:
        print(f"    {stat.size / 1e6:8.2f} MB {stat.count:9,d} blocks  {_where(stat.traceback)}")
    return peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument(
        "--import", dest="import_n", default="200,800", help="full-import sizes, comma-separated"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--no-peak", action="store_true", help="skip the traced second import of each size"
    )
    parser.add_argument(
        "--registry",
        type=int,
        default=0,
        help="persons already in the registry before the timed imports (built once, untimed, "
        "and kept in --registry-db so that a second checkout is measured on the same one)",
    )
    parser.add_argument("--registry-db", type=Path, default=None)
    parser.add_argument(
        "--names",
        choices=["realistic", "bench72"],
        default="realistic",
        help="realistic: thousands of names, Zipf-like frequencies (default); bench72: the old "
        "9 given x 8 family names, for comparison with earlier figures",
    )
    parser.add_argument(
        "--progress",
        action="store_true",
        help="a progress bar on stderr, and every 1,000 records of each import the records/s "
        "(wall and CPU) since the last line and the registry's size",
    )
    parser.add_argument(
        "--trace-only",
        action="store_true",
        help="import each size once, under tracemalloc only (no timed import): the peak, what "
        "grew from the first 1,000 persons to the last, what stays allocated after it",
    )
    parser.add_argument("--trace-frames", type=int, default=8, help="frames kept per trace")
    parser.add_argument(
        "--profile-window",
        default="",
        metavar="START,END",
        help="cProfile and time every SQL statement over records START to END of the first "
        "import that reaches them (the registry's included), e.g. 60000,61000",
    )
    parser.add_argument(
        "--profile-out",
        type=Path,
        default=Path("pfif-window"),
        help="where --profile-window writes OUT.pstats and OUT.txt (top functions, top SQL)",
    )
    args = parser.parse_args()
    reuse = args.registry_db is not None and args.registry_db.exists()
    setup(fast_argon2=True, database=args.registry_db)
    from haven.accounts.actions import create_staff_user
    from haven.accounts.models import Role
    from haven.missing import actions, pfif
    from haven.testing.personas import keyring_for
    from haven.vault.blind_index import set_up_index_vault

    print(f"code measured: {pfif.__file__}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="pfif-bench-"))
    top, nested = work / "top.xml", work / "nested.xml"
    generate(top, args.persons, top_level=True, names=_Names(args.names, 0))
    generate(nested, args.persons, top_level=False, names=_Names(args.names, 0))
    size = top.stat().st_size / 1e6
    print(
        f"file: {args.persons} persons + {args.persons} top-level notes, {size:.1f} MB", flush=True
    )

    rows = []

    def checked() -> int:
        with open(top, "rb") as stream:
            return pfif.check(stream).records

    t, m, n = measure(lambda: plain_iterparse(top), args.runs)
    rows.append(("plain ElementTree.iterparse (baseline)", t, m, n))
    print(rows[-1], flush=True)
    t, m, n = measure(checked, args.runs)
    rows.append(("haven pfif.check (streaming validation)", t, m, n))
    print(rows[-1], flush=True)
    old = old_module(Path(__file__).resolve().parent.parent)

    def old_parse() -> int:
        return sum(1 + len(p.notes) for p in old.parse(nested.read_bytes()))

    t, m, n = measure(old_parse, args.runs)
    rows.append((f"old pfif.parse ({BASE_COMMIT}, whole tree, nested file)", t, m, n))
    print(rows[-1], flush=True)

    from haven.accounts.models import User
    from haven.missing.models import MissingPersonReport

    if reuse:
        user = User.objects.get(username="bench")
        ring = keyring_for(user, "bench password long")
    else:
        user = create_staff_user(
            actor=None,
            username="bench",
            roles=[Role.DOCUMENTATION, Role.COORDINATOR],
            password="bench password long",
        ).user
        ring = keyring_for(user, "bench password long")
        set_up_index_vault(actor=user, keyring=ring, members=[])
        actions.set_up_registry(keyring=ring)
        if args.registry:
            path = work / "registry.xml"
            generate(path, args.registry, top_level=True, names=_Names(args.names, 1))
            path.write_text(path.read_text().replace("bench.example/", "registry.example/"))
            start, cpu = time.perf_counter(), time.process_time()
            result = pfif.import_stream(
                keyring=ring, open_stream=lambda: open(path, "rb"), progress=_progress(args)
            )
            print(
                f"registry of {args.registry} built: {time.perf_counter() - start:.1f} s wall, "
                f"{time.process_time() - cpu:.1f} s CPU {result.as_dict()}",
                flush=True,
            )
            if args.names == "realistic":
                total, found, same = repeats_found(
                    _Names(args.names, 1), args.registry, "registry.example"
                )
                print(
                    f"  second reports within the registry's file: {total}; suggested with the "
                    f"first: {found}; of those not dismissed by their names: {same}",
                    flush=True,
                )
        if args.registry_db is not None:
            from _django import snapshot

            snapshot(args.registry_db)
    print(f"registry before the imports: {MissingPersonReport.objects.count()} reports", flush=True)
    imports = []
    for k, n_import in enumerate(int(x) for x in args.import_n.split(",")):
        # Each size into the same registry under its own domain, timed; then the same size
        # again under another domain, traced, for the peak.
        files = []
        for j, tag in enumerate(("t", "m")):
            path = work / f"import-{k}-{tag}.xml"
            generate(path, n_import, top_level=True, names=_Names(args.names, 10 + 2 * k + j))
            path.write_text(path.read_text().replace("bench.example/", f"b{k}{tag}.example/"))
            files.append(path)
        floor = measure(lambda p=files[0]: plain_iterparse(p), args.runs)[0]
        if args.trace_only:
            peak = _traced_import(pfif, ring, files[0], n_import, args)
            imports.append((n_import, float("nan"), peak, floor))
            continue
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        result = pfif.import_stream(
            keyring=ring, open_stream=lambda p=files[0]: open(p, "rb"), progress=_progress(args)
        )
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(
            f"full import of {n_import}: {elapsed:.1f} s wall, {cpu:.1f} s CPU of this process "
            f"(plain iterparse of the same file: {floor:.3f} s) {result.as_dict()}",
            flush=True,
        )
        if args.names == "realistic":
            total, found, same = repeats_found(
                _Names(args.names, 10 + 2 * k), n_import, f"b{k}t.example"
            )
            print(
                f"  second reports within the file: {total}; suggested with the first: {found}; "
                f"of those not dismissed by their names: {same}",
                flush=True,
            )
        peak = 0.0
        if not args.no_peak:
            gc.collect()
            tracemalloc.start()
            pfif.import_stream(
                keyring=ring, open_stream=lambda p=files[1]: open(p, "rb"), progress=_progress(args)
            )
            _cur, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        imports.append((n_import, elapsed, peak / 1e6, floor))

    print()
    print(
        f"| step ({args.persons:,} persons + {args.persons:,} notes, {size:.0f} MB) | median s | records/s | peak MB (tracemalloc) |"
    )
    print("|---|---:|---:|---:|")
    for label, t, m, n in rows:
        print(f"| {label} | {t:.2f} | {n / t:,.0f} | {m:.1f} |")
    for n_import, elapsed, peak, floor in imports:
        print(
            f"| full import (seal, index, match, audit), {n_import:,} persons + "
            f"{n_import:,} notes, one run | {elapsed:.1f} | {2 * n_import / elapsed:,.0f} | "
            f"{peak:.1f} |"
        )
        print(
            f"| plain iterparse of that file (floor) | {floor:.3f} | "
            f"{2 * n_import / floor:,.0f} | |"
        )
    base = rows[0]
    print(
        f"\nstreaming check vs plain iterparse: {rows[1][1] / base[1]:.2f}x the time, "
        f"{rows[1][2] / max(base[2], 0.001):.1f}x the peak memory; old whole-tree parse: "
        f"{rows[2][1] / base[1]:.2f}x the time, {rows[2][2] / max(base[2], 0.001):.1f}x the memory"
    )


if __name__ == "__main__":
    main()

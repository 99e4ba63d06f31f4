"""Issue 4 and 8 figures at scale: the case list, name search and statistics page with 100,000
cases, and `haven exposure` over 100,000 cases and 200 staff.

    uv run python bench/cases_scale.py [--cases 100000] [--runs 30]

The list and search pages go through the real views (test client, real sign-in, middleware,
templates). "Sealing disabled" runs the same views in the same process with the keyring's
decryption replaced by reads from a plain copy of the same names (one query), and the blind index
replaced by a plain index of the same name keys: the query shapes stay the same, only the
cryptography is gone.
"""

from __future__ import annotations

import argparse
import random
import time
from contextlib import contextmanager
from typing import Any

from _django import median, percentile, setup

GIVEN = [
    "Ислам",
    "Зелимхан",
    "Хамзат",
    "Салех",
    "Адам",
    "Мовсар",
    "Рамзан",
    "Ибрагим",
    "Умар",
    "Аслан",
    "Муслим",
    "Магомед",
    "Madina",
    "Zarema",
    "Khava",
    "Elena",
    "Malika",
    "Seda",
    "Ruslan",
    "Timur",
]
FAMILY = [
    "Исаев",
    "Магомадов",
    "Алиев",
    "Умаров",
    "Эльмурзаев",
    "Тагиров",
    "Юсупов",
    "Хасанов",
    "Dudayev",
    "Vakhaev",
    "Basayev",
    "Gairbekov",
    "Sultanov",
    "Ismailov",
    "Akhmadov",
    "Bakaev",
    "Tsaraev",
    "Musaev",
    "Zakaev",
    "Khadzhiev",
]


SMALL = 50  # cases held by the "small" account


def generate(n: int, user: Any, staff: list[Any], small: Any) -> None:
    """n cases, each in its own vault granted to `user` (and a few to other staff), one person
    each with five sealed fields, and blind-index entries for the names. `small` holds the
    grants of the first SMALL cases only (an ordinary caseworker's list)."""
    from django.db import transaction

    from haven.cases.models import Case, CaseAssignment, NameIndexEntry, Person
    from haven.lib.names.keys import name_keys
    from haven.testing.personas import keyring_for
    from haven.vault import crypto
    from haven.vault.blind_index import INDEX_BITS, index_vault
    from haven.vault.keyring import OpenVault
    from haven.vault.models import Grant, UserKey, Vault

    ring = keyring_for(user, "bench password long")
    index = ring.open(index_vault())
    pub = bytes(UserKey.objects.get(user=user).public_key)
    staff_keys = {s.pk: bytes(UserKey.objects.get(user=s).public_key) for s in staff}
    small_pub = bytes(UserKey.objects.get(user=small).public_key)
    rng = random.Random(7)
    states = [
        "intake",
        "vetting",
        "planning",
        "in_transit",
        "sheltered",
        "documents",
        "departed",
        "resettled",
        "closed",
        "missing",
    ]
    for start in range(0, n, 2000):
        size = min(2000, n - start)
        vaults, grants, cases, people, entries, assignments = [], [], [], [], [], []
        for _ in range(size):
            key = crypto.random_key()
            pair = crypto.KeyPair.generate()
            vault = Vault(kind="case", public_key=pair.public)
            vault.sealed_private_key = crypto.aead_encrypt(
                key, pair.private, f"vault-sk|{vault.id}".encode()
            )
            vaults.append(vault)
            grants.append(
                Grant(
                    vault=vault,
                    user=user,
                    sealed_key=crypto.seal_to(pub, key, f"grant|{vault.id}|{user.pk}".encode()),
                )
            )
            if start + len(vaults) <= SMALL:
                grants.append(
                    Grant(
                        vault=vault,
                        user=small,
                        sealed_key=crypto.seal_to(
                            small_pub, key, f"grant|{vault.id}|{small.pk}".encode()
                        ),
                    )
                )
            other = rng.choice(staff)
            grants.append(
                Grant(
                    vault=vault,
                    user=other,
                    sealed_key=crypto.seal_to(
                        staff_keys[other.pk], key, f"grant|{vault.id}|{other.pk}".encode()
                    ),
                )
            )
            case = Case(
                vault=vault,
                reference=f"HV-{start + len(cases):08X}",
                state=rng.choice(states),
                risk=rng.choice(["critical", "high", "medium", "low"]),
                region_of_origin="RU-CE",
                outcome=rng.choice(["", "", "abroad", "in_country"]),
                outcome_country=rng.choice(["DE", "FR", "CA", "NL"]),
            )
            cases.append(case)
            assignments.append(CaseAssignment(case=case, user=other))
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            person = Person(case=case, vault=vault)
            OpenVault(vault, key).seal(
                person,
                given_name=given,
                family_name=family,
                patronymic="",
                aliases=[f"{given} {family}"],
                notes="Связь через доверенного контакта.",
            )
            people.append(person)
            for k in name_keys(f"{given} {family}"):
                entries.append(
                    NameIndexEntry(
                        person=person, case=case, value=index.blind_index(k, bits=INDEX_BITS)
                    )
                )
        with transaction.atomic():
            Vault.objects.bulk_create(vaults)
            Grant.objects.bulk_create(grants)
            Case.objects.bulk_create(cases)
            CaseAssignment.objects.bulk_create(assignments)
            Person.objects.bulk_create(people)
            NameIndexEntry.objects.bulk_create(entries)


def make_plain_copy(user: Any) -> None:
    """A plain table with the same names, for the sealing-disabled runs."""
    from django.db import connection

    from haven.cases.models import Person
    from haven.testing.personas import keyring_for

    ring = keyring_for(user, "bench password long")
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE bench_plain_person (id varchar(36) PRIMARY KEY, case_id varchar(36), given_name text, family_name text, patronymic text, aliases text)"
        )
        rows = []
        for r in ring.readers(Person.objects.all().iterator(chunk_size=5000)):
            rows.append(
                (
                    str(r.record.id).replace("-", ""),
                    str(r.case_id).replace("-", ""),
                    r.given_name,
                    r.family_name,
                    r.patronymic or "",
                    "|".join(r.aliases or []),
                )
            )
        cur.executemany("INSERT INTO bench_plain_person VALUES (%s, %s, %s, %s, %s, %s)", rows)
        cur.execute("CREATE INDEX bench_plain_case ON bench_plain_person (case_id)")


class PlainReader:
    is_open = True

    def __init__(self, obj: Any, row: tuple[str, str, str, str]) -> None:
        self.record = obj
        self.given_name, self.family_name, self.patronymic, aliases = row
        self.aliases = aliases.split("|") if aliases else []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.record, name)


@contextmanager
def sealing_disabled():  # type: ignore[no-untyped-def]
    """Decryption replaced by reads from the plain copy. The blind-index narrowing stays: it
    is SQL on an indexed column, what a plain name index would be."""
    from django.db import connection

    from haven.vault.keyring import Keyring

    original_readers = Keyring.readers

    def plain_readers(self, objs):  # type: ignore[no-untyped-def]
        objs = list(objs)
        ids = [str(o.pk).replace("-", "") for o in objs]
        if not ids:
            return []
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT id, given_name, family_name, patronymic, aliases FROM bench_plain_person WHERE id IN ({','.join(['%s'] * len(ids))})",
                ids,
            )
            rows = {r[0]: r[1:] for r in cur.fetchall()}
        return [PlainReader(o, rows[str(o.pk).replace("-", "")]) for o in objs]

    Keyring.readers = plain_readers  # type: ignore[method-assign]
    try:
        yield
    finally:
        Keyring.readers = original_readers  # type: ignore[method-assign]


def timed(client: Any, url: str, params: dict[str, str], runs: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(url, params)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, params)
    return percentile(samples, 50), percentile(samples, 95), len(ctx.captured_queries)


def profile(client: Any, url: str, params: dict[str, str], runs: int, top: int) -> None:
    """cProfile over `runs` requests of one page: the top entries by cumulative time."""
    import cProfile
    import io
    import pstats

    client.get(url, params)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(runs):
        client.get(url, params)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(15)
    print(out.getvalue())


def explain(client: Any, url: str, params: dict[str, str], top: int) -> None:
    """The `top` slowest SELECTs of one request (after a warm-up request), each with its time
    and, on PostgreSQL, its EXPLAIN (ANALYZE, BUFFERS) run straight after the request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, params)
    queries = ctx.captured_queries
    total = sum(float(q["time"]) for q in queries) * 1000
    print(f"  {len(queries)} queries, {total:.1f} ms in SQL (as timed by Django)")
    selects = [q for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
    for q in sorted(selects, key=lambda q: -float(q["time"]))[:top]:
        print(f"  -- {float(q['time']) * 1000:.1f} ms: {q['sql'][:2000]}")
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                for (line,) in cur.fetchall():
                    print(f"     {line}")


def build(args: Any) -> None:
    from haven.accounts.actions import create_staff_user
    from haven.testing.personas import keyring_for
    from haven.vault.blind_index import set_up_index_vault

    user = create_staff_user(
        actor=None,
        username="benchcoord",
        roles=["coordinator", "caseworker"],
        password="bench password long",
    ).user
    small = create_staff_user(
        actor=None, username="benchsmall", roles=["caseworker"], password="bench password long"
    ).user
    staff = [
        create_staff_user(
            actor=None,
            username=f"staff{i:03d}",
            roles=["caseworker"],
            password="bench password long",
        ).user
        for i in range(args.staff - 2)
    ]
    set_up_index_vault(actor=user, keyring=keyring_for(user, "bench password long"), members=[])
    t0 = time.perf_counter()
    generate(args.cases, user, staff, small)
    print(f"generated {args.cases:,} cases (one vault each) in {time.perf_counter() - t0:.0f} s")
    make_plain_copy(user)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--data-dir",
        help="keep the generated database in this folder and reuse it on later runs "
        "(generating 100,000 cases takes minutes)",
    )
    parser.add_argument(
        "--pages",
        default="list,small,detail,search,stats,cli",
        help="comma-separated: list, small, detail, search, stats, cli",
    )
    parser.add_argument(
        "--profile", type=int, default=0, help="print cProfile's top N entries per page instead"
    )
    parser.add_argument(
        "--explain",
        type=int,
        default=0,
        help="print the N slowest SELECTs of one request per page instead (with EXPLAIN "
        "ANALYZE on PostgreSQL)",
    )
    args = parser.parse_args()
    import os
    from pathlib import Path

    os.environ.setdefault("HAVEN_ARGON2_OPSLIMIT", "1")
    os.environ.setdefault("HAVEN_ARGON2_MEMLIMIT", str(8 * 1024 * 1024))
    if args.data_dir:
        Path(args.data_dir).mkdir(parents=True, exist_ok=True)
        os.environ["HAVEN_DATA_DIR"] = args.data_dir
    setup()
    # Import every view module now: the run takes minutes, and a module first imported later
    # would be read from a working tree that may have changed since.
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    import haven.cases.views  # noqa: F401
    import haven.reports.views  # noqa: F401
    from haven.accounts.models import User
    from haven.cases.models import Case
    from haven.testing.personas import sign_in

    print(f"database: {connection.vendor}")
    if User.objects.filter(username="benchcoord").exists():
        print(f"reusing {Case.objects.count():,} cases in {os.environ['HAVEN_DATA_DIR']}")
    else:
        build(args)
    user = User.objects.get(username="benchcoord")
    client = sign_in(Client(), user, "bench password long")
    small_client = sign_in(Client(), User.objects.get(username="benchsmall"), "bench password long")
    pages = set(args.pages.split(","))
    newest = Case.objects.order_by("-updated_at").values_list("id", flat=True).first()
    plan = [
        ("list", "case list, first page (all cases)", client, "/staff/cases/", {}),
        ("small", "case list, 50-case account", small_client, "/staff/cases/", {}),
        ("detail", "case detail", client, f"/staff/cases/{newest}/", {}),
        ("search", "name search «Исаев»", client, "/staff/cases/", {"q": "Исаев"}),
        ("search", "name search «Isayev»", client, "/staff/cases/", {"q": "Isayev"}),
    ]
    for key, label, who, url, params in plan:
        if key not in pages:
            continue
        if args.profile:
            print(f"== {label} ({args.runs} requests)")
            profile(who, url, params, args.runs, args.profile)
            continue
        if args.explain:
            print(f"== {label}")
            explain(who, url, params, args.explain)
            continue
        sealed = timed(who, url, params, args.runs)
        if key in ("list", "search"):
            with sealing_disabled():
                plain = timed(who, url, params, args.runs)
            print(
                f"{label}: sealed p50 {sealed[0]:.0f} ms p95 {sealed[1]:.0f} ms ({sealed[2]} queries); plain p50 {plain[0]:.0f} ms p95 {plain[1]:.0f} ms ({plain[2]} queries); ratio p50 {sealed[0] / plain[0]:.2f}x"
            )
        else:
            print(f"{label}: p50 {sealed[0]:.0f} ms p95 {sealed[1]:.0f} ms ({sealed[2]} queries)")
    if "stats" in pages and args.explain:
        print("== statistics page")
        explain(client, "/staff/reports/", {}, args.explain)
    if "stats" in pages and not (args.profile or args.explain):
        stats = timed(client, "/staff/reports/", {}, max(5, args.runs // 3))
        print(f"statistics page: p50 {stats[0]:.0f} ms p95 {stats[1]:.0f} ms, {stats[2]} queries")
    if "cli" in pages and not (args.profile or args.explain):
        summary_t = []
        for _ in range(5):
            t0 = time.perf_counter()
            call_command("report", "summary", "--json", stdout=open(os.devnull, "w"))  # noqa: SIM115
            summary_t.append(time.perf_counter() - t0)
        print(f"haven report summary: median {median(summary_t) * 1000:.0f} ms")
        ex = []
        for _ in range(3):
            t0 = time.perf_counter()
            call_command("exposure", "--json", stdout=open(os.devnull, "w"))  # noqa: SIM115
            ex.append(time.perf_counter() - t0)
        print(
            f"haven exposure ({args.cases:,} cases, {args.staff} staff): median {median(ex):.2f} s"
        )


if __name__ == "__main__":
    main()

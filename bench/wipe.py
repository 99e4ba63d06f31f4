"""Issue 9 figure: the emergency wipe's time does not grow with the number of sealed records.

    uv run python bench/wipe.py [--sizes 10000 1000000] [--vaults 3000] [--staff 30] [--runs 5]

Builds one throwaway installation (SQLite unless DATABASE_URL) with `--staff` staff keys,
`--vaults` case vaults each granted to 3 staff members, and `cases.Person` rows holding random
sealed-looking bytes spread over those vaults, bulk-inserted. For each size it restores the key
material (grants, staff keys, vault keys, sessions) and times `emergency_wipe()` `--runs` times;
the same keys are wiped at every size, so only the number of sealed records changes.
"""

from __future__ import annotations

import argparse
import os
import secrets
import time
import uuid

from _django import median, setup


def _random_blob() -> bytes:
    # Sealed values are nonce + ciphertext + tag: 24 + n + 16 bytes.
    return secrets.token_bytes(40 + secrets.randbelow(60))


def build_keys(staff: int, vaults: int) -> dict[str, list[object]]:
    from django.utils import timezone

    from haven.accounts.models import StaffSession, User
    from haven.cases.models import Case
    from haven.vault.models import Grant, UserKey, Vault

    now = timezone.now()
    users = User.objects.bulk_create(
        [User(username=f"bench{i}", password="!") for i in range(staff)]  # noqa: S106
    )
    keys = [
        UserKey(
            user=u,
            public_key=secrets.token_bytes(32),
            wrapped_private_key=secrets.token_bytes(72),
            salt=secrets.token_bytes(16),
            opslimit=3,
            memlimit=256 * 1024 * 1024,
        )
        for u in users
    ]
    UserKey.objects.bulk_create(keys)
    vault_rows = Vault.objects.bulk_create(
        [
            Vault(
                kind="case",
                public_key=secrets.token_bytes(32),
                sealed_private_key=secrets.token_bytes(72),
            )
            for _ in range(vaults)
        ],
        batch_size=2000,
    )
    Case.objects.bulk_create(
        [Case(vault=v, reference=f"B-{i:08d}") for i, v in enumerate(vault_rows)], batch_size=2000
    )
    grants = [
        Grant(vault=v, user=users[(i + k) % staff], sealed_key=secrets.token_bytes(80))
        for i, v in enumerate(vault_rows)
        for k in range(3)
    ]
    Grant.objects.bulk_create(grants, batch_size=5000)
    sessions = [
        StaffSession(
            session_key=secrets.token_hex(16),
            session_data="x" * 400,
            expire_date=now,
            user=users[i % staff],
        )
        for i in range(staff)
    ]
    StaffSession.objects.bulk_create(sessions)
    return {
        "grants": list(Grant.objects.values_list("vault_id", "user_id", "sealed_key")),
        "user_keys": keys,
        "vault_keys": list(Vault.objects.values_list("id", "sealed_private_key")),
        "sessions": sessions,
    }


def restore_keys(saved: dict[str, list[object]]) -> None:
    from django.db import transaction

    from haven.accounts.models import StaffSession
    from haven.ops.models import WipeRecord
    from haven.vault.models import Grant, UserKey, Vault

    with transaction.atomic():
        WipeRecord.objects.all().delete()
        for model in (Grant, UserKey, StaffSession):
            model.objects.all().delete()
        UserKey.objects.bulk_create(saved["user_keys"])  # type: ignore[arg-type]
        StaffSession.objects.bulk_create(saved["sessions"])  # type: ignore[arg-type]
        Grant.objects.bulk_create(
            [Grant(vault_id=v, user_id=u, sealed_key=k) for v, u, k in saved["grants"]],  # type: ignore[misc]
            batch_size=5000,
        )
        vaults = [
            Vault(id=v, sealed_private_key=k, shredded_at=None)
            for v, k in saved["vault_keys"]  # type: ignore[misc]
        ]
        Vault.objects.bulk_update(vaults, ["sealed_private_key", "shredded_at"], batch_size=2000)


def add_people(count: int, vault_ids: list[object], case_by_vault: dict[object, object]) -> None:
    """Raw multi-row inserts: the ORM would take minutes for a million rows."""
    from django.db import connection, transaction
    from django.utils import timezone

    from haven.cases.models import Person
    from haven.vault.fields import SealedField

    fields = Person._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    now = timezone.now()
    sealed = {f.attname for f in fields if isinstance(f, SealedField)}
    filled = {"given_name", "family_name", "notes", "contacts"}
    chunk = 2000 if connection.vendor == "postgresql" else 100  # SQLite: 999 parameters

    def row(i: int) -> list[object]:
        vault = vault_ids[i % len(vault_ids)]
        values: dict[str, object] = {
            "id": uuid.uuid4(),
            "case_id": case_by_vault[vault],
            "vault_id": vault,
            "created_at": now,
        }
        out = []
        for f in fields:
            if f.attname in sealed:
                value = _random_blob() if f.attname in filled else None
            else:
                value = values.get(f.attname)
            out.append(f.get_db_prep_save(value, connection) if value is not None else None)
        return out

    table = connection.ops.quote_name(Person._meta.db_table)
    done = 0
    with transaction.atomic(), connection.cursor() as cursor:
        while done < count:
            n = min(chunk, count - done)
            params: list[object] = []
            for i in range(done, done + n):
                params.extend(row(i))
            sql = f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([placeholders] * n)  # noqa: S608
            cursor.execute(sql, params)
            done += n


def time_wipe(saved: dict[str, list[object]], runs: int) -> list[float]:
    from haven.ops.wipe import emergency_wipe

    times = []
    for _ in range(runs):
        restore_keys(saved)
        start = time.perf_counter()
        emergency_wipe(actor=None, via="command")
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--vaults", type=int, default=3000)
    parser.add_argument("--staff", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = setup()
    from django.db import connection

    from haven.cases.models import Case, Person

    saved = build_keys(args.staff, args.vaults)
    pairs = list(Case.objects.values_list("vault_id", "id"))
    vault_ids = [v for v, _c in pairs]
    case_by_vault = dict(pairs)
    print(
        f"database: {connection.vendor}; {args.staff} staff keys, {args.vaults} vaults, "
        f"{len(saved['grants'])} grants, {args.staff} sessions"
    )
    have = 0
    for size in sorted(args.sizes):
        start = time.perf_counter()
        add_people(size - have, vault_ids, case_by_vault)
        have = size
        built = time.perf_counter() - start
        assert Person.objects.count() == size
        db_file = data / "haven.sqlite3"
        mb = db_file.stat().st_size / 2**20 if db_file.exists() else float("nan")
        times = time_wipe(saved, args.runs)
        print(
            f"{size:>9,} sealed records (db {mb:,.0f} MiB, built in {built:.1f} s): "
            f"wipe median {median(times) * 1000:.1f} ms "
            f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}, runs {args.runs})"
        )
    if os.environ.get("HAVEN_BENCH_KEEP") is None and connection.vendor == "sqlite":
        import shutil

        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()

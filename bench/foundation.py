"""Issue 2 figures: the crypto core's cost.

    uv run python bench/foundation.py [--runs 7]

- sealed-field encrypt+decrypt throughput (XChaCha20-Poly1305, 100-byte values)
- sealed-box grant open (X25519) per second
- keyring unlock per request (session key unwrap + one grant open)
- login time at production Argon2id parameters (256 MiB, 3 passes; both password and duress
  checks, as a real sign-in does)
- a page of 50 records with 5 sealed fields each versus the same page with plain columns, same
  run, same query and template (target: under 2x). Records spread over 50 vaults (a case list:
  one vault per case), so the page also opens 50 grants.
"""

from __future__ import annotations

import argparse
import time

from _django import median, setup


def rate(fn, seconds: float = 1.0) -> float:  # type: ignore[no-untyped-def]
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    setup()
    from django.conf import settings
    from django.contrib.auth import authenticate
    from django.db import connection, models
    from django.template import engines

    from haven.accounts.actions import create_staff_user
    from haven.cases.models import Case, Person
    from haven.vault import crypto
    from haven.vault.actions import create_vault
    from haven.vault.keyring import Keyring, SessionKeyCache
    from haven.vault.userkeys import (
        open_session,
        unwrap_from_session,
        unwrap_user_key,
        wrap_for_session,
    )

    print(
        f"Argon2id: opslimit={settings.HAVEN_ARGON2_OPSLIMIT} memlimit={settings.HAVEN_ARGON2_MEMLIMIT // 2**20} MiB"
    )
    key = crypto.random_key()
    value = ("Магомедов Ислам Русланович " * 4)[:100].encode()
    aad = b"cases_person|given_name|00000000-0000-0000-0000-000000000000"

    def seal_open() -> None:
        crypto.aead_decrypt(key, crypto.aead_encrypt(key, value, aad), aad)

    seal_rates = [rate(seal_open, 0.5) for _ in range(args.runs)]
    print(f"sealed field encrypt+decrypt: {median(seal_rates):,.0f} /s (median of {args.runs})")

    pair = crypto.KeyPair.generate()
    grant = crypto.seal_to(pair.public, key, b"grant|v|u")
    grant_rates = [
        rate(lambda: crypto.open_sealed(pair.private, grant, b"grant|v|u"), 0.5)
        for _ in range(args.runs)
    ]
    print(f"sealed-box grant open: {median(grant_rates):,.0f} /s")

    password = "bench password long enough"
    t0 = time.perf_counter()
    user = create_staff_user(
        actor=None, username="bench", roles=["caseworker"], password=password
    ).user
    print(f"account creation (key pair + wrap): {time.perf_counter() - t0:.2f} s")
    logins = []
    for _ in range(max(3, args.runs // 2)):
        t0 = time.perf_counter()
        assert authenticate(None, username="bench", password=password) is not None
        logins.append(time.perf_counter() - t0)
    print(
        f"login (password unwrap + duress check): median {median(logins) * 1000:.0f} ms over {len(logins)} runs"
    )

    private_key = unwrap_user_key(user, password)
    assert private_key is not None
    cookie, blob = wrap_for_session(private_key, "1|k")

    # 50 cases, each in its own vault, one person each with 5 sealed fields.
    keyring = Keyring(user, private_key)
    for i in range(50):
        vault = create_vault(actor=user, kind="case", members=[user], keyring=keyring)
        case = Case.objects.create(vault=vault)
        p = Person(case=case, vault=vault)
        keyring.open(vault).seal(
            p,
            given_name=f"Ислам {i}",
            family_name=f"Магомедов {i}",
            patronymic="Русланович",
            aliases=["Isa", "Islam Magomedov"],
            notes="Родственники под давлением; связь через доверенного контакта." * 3,
        )
        p.save()

    class PlainPerson(models.Model):
        id = models.UUIDField(primary_key=True)
        case = models.ForeignKey(Case, on_delete=models.DO_NOTHING, related_name="+")
        given_name = models.TextField()
        family_name = models.TextField()
        patronymic = models.TextField()
        aliases = models.JSONField()
        notes = models.TextField()

        class Meta:
            app_label = "cases"
            db_table = "bench_plain_person"

    with connection.schema_editor() as editor:
        editor.create_model(PlainPerson)
    for p in Person.objects.all():
        r = keyring.reader(p)
        PlainPerson.objects.create(
            id=p.id,
            case_id=p.case_id,
            given_name=r.given_name,
            family_name=r.family_name,
            patronymic=r.patronymic,
            aliases=r.aliases,
            notes=r.notes,
        )

    template = engines["django"].from_string(
        "<table>{% for r in rows %}<tr><td>{{ r.case.reference }}</td><td>{{ r.given_name }}</td><td>{{ r.family_name }}</td>"
        "<td>{{ r.patronymic }}</td><td>{{ r.aliases|join:', ' }}</td><td>{{ r.notes|truncatechars:80 }}</td></tr>{% endfor %}</table>"
    )

    session_store: dict[str, str] = {}

    def sealed_page() -> str:
        pk, cache_key = open_session(cookie, blob, "1|k")  # what every request does first
        ring = Keyring(user, pk, session_cache=SessionKeyCache(session_store, cache_key, "1|k"))
        rows = ring.readers(Person.objects.select_related("case").order_by("id")[:50])
        return template.render({"rows": rows})

    def plain_page() -> str:
        rows = list(PlainPerson.objects.select_related("case").order_by("id")[:50])
        return template.render({"rows": rows})

    t0 = time.perf_counter()
    first = sealed_page()  # the session's first visit opens 50 grants with X25519
    print(
        f"first sealed page of a session (50 grant opens): {(time.perf_counter() - t0) * 1000:.2f} ms"
    )
    assert first.count("<tr>") == plain_page().count("<tr>") == 50
    assert "Магомедов 7" in sealed_page()
    sealed_t, plain_t = [], []
    for _ in range(args.runs):
        for fn, out in ((plain_page, plain_t), (sealed_page, sealed_t)):
            t0 = time.perf_counter()
            for _ in range(20):
                fn()
            out.append((time.perf_counter() - t0) / 20)
    ratio = median(sealed_t) / median(plain_t)
    unlock = [
        rate(
            lambda: Keyring(user, unwrap_from_session(cookie, blob, "1|k")).open(
                Case.objects.select_related("vault").first().vault
            ),
            0.5,
        )
        for _ in range(args.runs)
    ]
    print(
        f"keyring unlock per request (session unwrap + one grant open + its query): {1e6 / median(unlock):.0f} µs"
    )
    print(
        f"page of 50 records x 5 fields: plain {median(plain_t) * 1000:.2f} ms, sealed {median(sealed_t) * 1000:.2f} ms, ratio {ratio:.2f}x (target < 2x)"
    )


if __name__ == "__main__":
    main()

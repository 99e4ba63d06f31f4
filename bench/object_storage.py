"""Issue 19 figures: an evidence file captured and read back, with sealed files in the database
row (the default), in a folder (HAVEN_STORAGE=files) and in S3 (HAVEN_STORAGE=s3), same run.

    uv run python bench/object_storage.py [--mb 1] [--runs 15]

One throwaway SQLite installation, fast Argon2. The S3 endpoint is moto's standalone server on
loopback (haven/testing/s3server.py), a Python HTTP server: it measures the protocol round trips
Haven adds, not SeaweedFS's speed. Random bytes (an opaque type: no working copy, one object per
file). Prints the median capture (hash, inspection, seal, store, custody link, commit) and read
(fetch, unseal, custody link) of one file per mode, and the ratio to the database row.
"""

from __future__ import annotations

import argparse
import os
import secrets
import time

from _django import median, setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=1)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    data_dir = setup(fast_argon2=True)

    from django.conf import settings
    from django.test import override_settings

    from haven.accounts.actions import create_staff_user
    from haven.accounts.models import Role
    from haven.evidence import actions
    from haven.evidence.models import EvidenceAttachment
    from haven.testing import s3server
    from haven.testing.personas import keyring_for

    user = create_staff_user(
        actor=None, username="doc", roles=[Role.DOCUMENTATION], password="bench-password"
    ).user
    ring = keyring_for(user, "bench-password")
    incident = actions.create_incident(keyring=ring, title="bench", violations=["torture"])
    payload = os.urandom(args.mb * 1024 * 1024)

    with s3server.running() as server:
        bucket = f"bench-{secrets.token_hex(3)}"
        server.make_bucket(bucket, versioned=True)
        modes = {
            "database": {"HAVEN_STORAGE": "database"},
            "files": {
                "HAVEN_STORAGE": "files",
                "STORAGES": {
                    **settings.STORAGES,
                    "sealed": {
                        "BACKEND": "django.core.files.storage.FileSystemStorage",
                        "OPTIONS": {"location": str(data_dir / "objects")},
                    },
                },
            },
            "s3": {
                "HAVEN_STORAGE": "s3",
                "STORAGES": {
                    **settings.STORAGES,
                    "sealed": {
                        "BACKEND": "storages.backends.s3.S3Storage",
                        "OPTIONS": server.storage_options(bucket),
                    },
                },
            },
        }
        results: dict[str, tuple[float, float]] = {}
        for name, overrides in modes.items():
            with override_settings(**overrides):
                captures, reads = [], []
                for _ in range(args.runs):
                    start = time.perf_counter()
                    attachment = actions.capture_attachment(
                        keyring=ring, incident=incident, name="f.bin", data=payload
                    )
                    captures.append(time.perf_counter() - start)
                    fresh = EvidenceAttachment.objects.get(pk=attachment.pk)
                    start = time.perf_counter()
                    got = actions.read_attachment(keyring=ring, attachment=fresh, copy="original")
                    reads.append(time.perf_counter() - start)
                    assert got == payload
                results[name] = (median(captures), median(reads))
    base_c, base_r = results["database"]
    print(f"{args.mb} MiB evidence file, median of {args.runs}:")
    for name, (c, r) in results.items():
        print(
            f"  {name:9s} capture {c * 1000:7.1f} ms ({c / base_c:4.2f}x)   "
            f"read {r * 1000:7.1f} ms ({r / base_r:4.2f}x)"
        )


if __name__ == "__main__":
    main()

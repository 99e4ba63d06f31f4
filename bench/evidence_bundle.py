"""Issue 7 figures: capturing evidence files, building a court bundle, verifying it.

    uv run python bench/evidence_bundle.py [--files 20] [--mb 5] [--runs 5]

One throwaway installation (SQLite unless DATABASE_URL), fast Argon2 (key derivation is not what
is measured). One incident holding `--files` attachments of `--mb` MiB each (random bytes: the
worst case for the zip's compression and an opaque type, so no working copy), plus one JPEG
photo that gets a metadata-free working copy, and two testimonies. Prints the median of `--runs`:

- capture of one `--mb` MiB file (hash, inspection, seal, custody link, commit)
- capture of one 12-megapixel JPEG (the same, plus re-encoding the working copy)
- building the court bundle (decrypt, re-hash every original, custody links, PDF, zip)
- `verify_bundle` on the written zip
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import tempfile
import time
from pathlib import Path

from _django import median, setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--mb", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    setup(fast_argon2=True)

    from PIL import Image

    from haven.accounts.actions import create_staff_user
    from haven.accounts.models import Role
    from haven.evidence import actions
    from haven.evidence.bundle import build_bundle, verify_bundle
    from haven.testing.personas import keyring_for

    user = create_staff_user(
        actor=None, username="doc", roles=[Role.DOCUMENTATION], password="bench-password"
    ).user
    ring = keyring_for(user, "bench-password")
    incident = actions.create_incident(keyring=ring, title="bench", violations=["torture"])
    for lang in ("ru", "en"):
        actions.add_testimony(
            keyring=ring,
            incident=incident,
            given_by="Bench Witness",
            given_on=datetime.date(2026, 1, 1),
            language=lang,
            text="Testimony text. " * 2000,
            consent=["court"],
            may_be_named=True,
        )
    size = args.mb * 1024 * 1024
    capture_times = []
    for _ in range(args.files):
        data = os.urandom(size)
        t = time.perf_counter()
        actions.capture_attachment(keyring=ring, incident=incident, name="f.bin", data=data)
        capture_times.append(time.perf_counter() - t)
    photo = io.BytesIO()
    Image.effect_noise((4000, 3000), 64).convert("RGB").save(photo, format="JPEG", quality=90)
    photo_times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        actions.capture_attachment(
            keyring=ring, incident=incident, name="p.jpg", data=photo.getvalue()
        )
        photo_times.append(time.perf_counter() - t)
    build_times, verify_times, bundle_mb = [], [], 0.0
    out = Path(tempfile.mkdtemp(prefix="haven-bundle-"))
    for i in range(args.runs):
        t = time.perf_counter()
        built = build_bundle(keyring=ring, incident=incident, audience="court")
        build_times.append(time.perf_counter() - t)
        path = out / f"b{i}.zip"
        path.write_bytes(built.data)
        bundle_mb = len(built.data) / 2**20
        t = time.perf_counter()
        assert verify_bundle(path).ok
        verify_times.append(time.perf_counter() - t)
        path.unlink()
    ms = 1000.0
    print(f"capture of one {args.mb} MiB file: {median(capture_times) * ms:.0f} ms")
    print(
        f"capture of one 12-megapixel JPEG ({len(photo.getvalue()) / 2**20:.1f} MiB) "
        f"with working copy: {median(photo_times) * ms:.0f} ms"
    )
    n = args.files + args.runs
    print(
        f"court bundle, {n} attachments, {bundle_mb:.0f} MiB: build {median(build_times):.2f} s, "
        f"verify {median(verify_times):.2f} s"
    )


if __name__ == "__main__":
    main()

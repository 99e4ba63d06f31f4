"""Sealed files in S3-compatible object storage (HAVEN_STORAGE=s3) against a real S3 endpoint
on loopback: the store only ever holds ciphertext, files come back intact, and retention, the
emergency wipe and deleting an attachment leave nothing readable, every version included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from haven.evidence import actions as evidence
from haven.evidence.models import EvidenceAttachment
from haven.ops.wipe import emergency_wipe
from haven.testing.leakscan import Markers, assert_no_leaks
from haven.testing.personas import keyring_for
from haven.vault import crypto, objects
from haven.vault.actions import shred_vault
from haven.vault.models import Vault


def _incident(personas, title: str = "Задержание"):  # type: ignore[no-untyped-def]
    return evidence.create_incident(
        keyring=keyring_for(personas.docofficer),
        title=title,
        summary="Detained at home",
        violations=["arbitrary_detention"],
        date_start=dt.date(2026, 3, 14),
    )


def _capture(personas, incident, data: bytes, name: str = "statement.txt"):  # type: ignore[no-untyped-def]
    return evidence.capture_attachment(
        keyring=keyring_for(personas.docofficer), incident=incident, name=name, data=data
    )


def _raw_column(attachment: EvidenceAttachment) -> bytes:
    table = EvidenceAttachment._meta.db_table
    pk = EvidenceAttachment._meta.pk.get_db_prep_value(attachment.pk, connection)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT original FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return bytes(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_an_evidence_file_goes_to_s3_sealed_and_comes_back_intact(
    personas, s3_storage, caplog
) -> None:
    markers = Markers()
    text = f"{markers.new('witness', cyrillic=True)} видел, как {markers.new('name')} увезли."
    data = text.encode()
    incident = _incident(personas)
    attachment = _capture(personas, incident, data)

    # The row holds a reference, the bucket holds the ciphertext, under a random name.
    assert objects.is_reference(_raw_column(attachment))
    stored = s3_storage.every_version(s3_storage.bucket)
    assert len(stored) == 2  # the original and the working copy of a text file
    assert all(key.startswith("sealed/") and crypto.looks_sealed(body) for key, body in stored)

    fresh = EvidenceAttachment.objects.get(pk=attachment.pk)
    got = evidence.read_attachment(
        keyring=keyring_for(personas.docofficer), attachment=fresh, copy="original"
    )
    assert got == data
    # Nothing in plaintext anywhere: the database, the logs, every version of every object.
    assert_no_leaks(
        markers,
        log_text=caplog.text,
        extra={f"s3 {key}": body for key, body in stored},
    )


def test_sealed_objects_refuse_anything_that_is_not_ciphertext(s3_storage) -> None:
    with pytest.raises(ValueError, match="only sealed blobs"):
        objects.put(b"%PDF-1.7 plain file")


@pytest.mark.django_db
def test_shredding_a_vault_deletes_its_objects_and_every_version_and_spares_others(
    personas, s3_storage, django_capture_on_commit_callbacks
) -> None:
    doomed = _incident(personas, "Первое")
    kept = _incident(personas, "Второе")
    _capture(personas, doomed, b"first statement")
    survivor = _capture(personas, kept, b"second statement")
    assert len(s3_storage.every_version(s3_storage.bucket)) == 4

    with django_capture_on_commit_callbacks(execute=True):
        shred_vault(actor=None, vault=Vault.objects.get(pk=doomed.vault_id), reason="retention:t")

    left = {key for key, _ in s3_storage.every_version(s3_storage.bucket)}
    assert left == {survivor.original.name, survivor.working_copy.name}
    listing = s3_storage.client().list_object_versions(Bucket=s3_storage.bucket)
    assert not listing.get("DeleteMarkers")  # versions deleted outright, not hidden


@pytest.mark.django_db
def test_deleting_an_attachment_deletes_its_objects(
    personas, s3_storage, django_capture_on_commit_callbacks
) -> None:
    attachment = _capture(personas, _incident(personas), b"a statement to delete")
    with django_capture_on_commit_callbacks(execute=True):
        evidence.delete_attachment(
            keyring=keyring_for(personas.docofficer), attachment=attachment, reason="asked"
        )
    assert s3_storage.every_version(s3_storage.bucket) == []


@pytest.mark.django_db
def test_after_the_emergency_wipe_the_bucket_holds_nothing_at_all(personas, s3_storage) -> None:
    incident = _incident(personas)
    for n in range(3):
        _capture(personas, incident, f"statement {n}".encode())
    assert s3_storage.every_version(s3_storage.bucket)

    emergency_wipe(actor=None, via="command")

    listing = s3_storage.client().list_object_versions(Bucket=s3_storage.bucket)
    assert not listing.get("Versions") and not listing.get("DeleteMarkers")


@pytest.mark.django_db(transaction=True)
def test_a_backup_carries_the_sealed_objects_and_restores_them_into_a_new_bucket(
    personas, s3_storage, settings, age_key, tmp_path
) -> None:
    import io
    import tarfile

    import pyrage

    from haven.ops.backup import Installation, create_backup, load_identities, restore_backup

    if connection.vendor != "sqlite":
        pytest.skip("the SQLite round trip runs in the SQLite pass (test_backup.py has PG's)")
    settings.MEDIA_ROOT = tmp_path / "media"
    marker = "MARKER-backup-Хасан"
    attachment = _capture(personas, _incident(personas), f"{marker} statement".encode())
    before = dict(s3_storage.every_version(s3_storage.bucket))
    public, identity = age_key
    archive = tmp_path / "haven.age"

    summary = create_backup(archive, [public], progress=False)

    assert summary.objects == 2
    plain = pyrage.decrypt(archive.read_bytes(), load_identities(identity))
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]
    assert {f"objects/{name}" for name in before} <= members.keys()
    # Even opened with the backup key, the files are still sealed under their vault keys.
    assert not any(marker.encode() in data for data in members.values())

    # A new installation: an empty database and an empty bucket of its own.
    new_bucket = "haven-restored"
    s3_storage.make_bucket(new_bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "sealed": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_storage.storage_options(new_bucket),
        },
    }
    restored = Installation(
        {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "new" / "h.sqlite3")},
        tmp_path / "new" / "files",
    )
    result = restore_backup(archive, identity, installation=restored, progress=False)

    assert result.objects == 2
    assert dict(s3_storage.every_version(new_bucket)) == before
    assert attachment.original.name in before

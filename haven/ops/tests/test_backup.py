"""Encrypted backups: a round trip keeps every row and file; bad input gets a clear refusal."""

from __future__ import annotations

import io
import json
import os
import tarfile
import uuid
from pathlib import Path

import pyrage
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from haven.audit.log import record, verify_chain
from haven.ops import backup
from haven.ops.backup import BackupError, Installation, create_backup, restore_backup
from haven.ops.backup import write as backup_write
from haven.ops.tests.tables import files_under, pg_rows, sqlite_rows

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "media"
    (root / "evidence" / "2026").mkdir(parents=True)
    (root / "evidence" / "2026" / "photo.jpg").write_bytes(os.urandom(300_000))
    (root / "attachments").mkdir()
    (root / "attachments" / "letter.pdf").write_bytes(b"%PDF-1.4 sealed bytes \x00\xff" * 100)
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def installed(personas, a_case, media):  # type: ignore[no-untyped-def]
    """An installation in use: staff, keys, a sealed case, audit rows and stored files."""
    record(action="test.marker", data={"n": 1})
    assert verify_chain().ok
    return media


def _empty_sqlite(tmp_path: Path) -> Installation:
    return Installation(
        {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(tmp_path / "restored" / "haven.sqlite3"),
        },
        tmp_path / "restored" / "files",
    )


def _sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite round trip runs in the SQLite pass of the suite")


def test_a_sqlite_backup_restores_every_row_of_every_table_and_every_file(
    installed: Path, age_key, tmp_path: Path
) -> None:
    _sqlite_only()
    public, identity = age_key
    target = tmp_path / "haven.age"
    summary = create_backup(target, [public], progress=False)
    assert summary.files == 2
    assert b"sealed bytes" not in target.read_bytes()  # encrypted, not merely packed

    restored = _empty_sqlite(tmp_path)
    restore_backup(target, identity, installation=restored, progress=False)

    source = sqlite_rows(connection.settings_dict["NAME"])
    copy = sqlite_rows(restored.database["NAME"])
    assert copy.keys() == source.keys()
    for table in source:
        assert copy[table] == source[table], table
    assert sum(len(rows) for rows in copy.values()) > 50
    assert files_under(restored.media_root) == files_under(installed)


def test_a_postgresql_backup_restores_every_row_of_every_table_and_every_file(
    installed: Path, age_key, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("runs when the suite runs on PostgreSQL (python -m haven.testing.pgcluster)")
    public, identity = age_key
    target = tmp_path / "haven.age"
    create_backup(target, [public], progress=False)
    name = f"haven_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    restored = Installation({**connection.settings_dict, "NAME": name}, tmp_path / "files2")
    try:
        restore_backup(target, identity, installation=restored, progress=False)
        source = pg_rows(connection.settings_dict)
        copy = pg_rows(restored.database)
        assert copy.keys() == source.keys()
        for table in source:
            assert copy[table] == source[table], table
        assert files_under(restored.media_root) == files_under(installed)
    finally:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_restore_refuses_an_installation_that_is_not_empty(
    installed: Path, age_key, tmp_path: Path
) -> None:
    public, identity = age_key
    target = tmp_path / "haven.age"
    create_backup(target, [public], progress=False)
    before = verify_chain().rows
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(target, identity, progress=False)  # into the live installation itself
    assert verify_chain().rows == before


def test_a_restore_refuses_a_target_whose_file_folder_is_not_empty(
    installed: Path, age_key, tmp_path: Path
) -> None:
    _sqlite_only()
    public, identity = age_key
    target = tmp_path / "haven.age"
    create_backup(target, [public], progress=False)
    restored = _empty_sqlite(tmp_path)
    restored.media_root.mkdir(parents=True)
    (restored.media_root / "left-over.bin").write_bytes(b"x")
    with pytest.raises(BackupError, match="file folder"):
        restore_backup(target, identity, installation=restored, progress=False)
    assert not Path(restored.database["NAME"]).exists()


def test_the_wrong_key_cannot_open_a_backup(installed: Path, age_key, tmp_path: Path) -> None:
    _sqlite_only()
    public, _identity = age_key
    target = tmp_path / "haven.age"
    create_backup(target, [public], progress=False)
    other = tmp_path / "other.txt"
    other.write_text(str(pyrage.x25519.Identity.generate()) + "\n")
    restored = _empty_sqlite(tmp_path)
    with pytest.raises(BackupError, match="wrong identity"):
        restore_backup(target, other, installation=restored, progress=False)
    assert not Path(restored.database["NAME"]).exists()


def test_any_of_several_recipients_can_restore(installed: Path, age_key, tmp_path: Path) -> None:
    _sqlite_only()
    public, _identity = age_key
    second = pyrage.x25519.Identity.generate()
    second_file = tmp_path / "second.txt"
    second_file.write_text(f"{second}\n")
    target = tmp_path / "haven.age"
    create_backup(target, [public, str(second.to_public())], progress=False)
    restore_backup(target, second_file, installation=_empty_sqlite(tmp_path), progress=False)


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_a_damaged_backup_is_refused_and_the_target_left_alone(
    installed: Path, age_key, tmp_path: Path, damage: str
) -> None:
    _sqlite_only()
    public, identity = age_key
    target = tmp_path / "haven.age"
    create_backup(target, [public], progress=False)
    data = bytearray(target.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
    else:
        data = data[: len(data) - 5000]
    target.write_bytes(bytes(data))
    restored = _empty_sqlite(tmp_path)
    with pytest.raises(BackupError, match="damaged"):
        restore_backup(target, identity, installation=restored, progress=False)
    assert not Path(restored.database["NAME"]).exists()
    assert not restored.media_root.exists() or not any(restored.media_root.iterdir())


def test_an_age_file_that_is_not_a_haven_backup_is_refused(age_key, tmp_path: Path, db) -> None:  # type: ignore[no-untyped-def]
    public, identity = age_key
    target = tmp_path / "other.age"
    target.write_bytes(
        pyrage.encrypt(b"just some text", [pyrage.x25519.Recipient.from_str(public)])
    )
    with pytest.raises(BackupError, match="not a Haven backup"):
        restore_backup(target, identity, installation=_empty_sqlite(tmp_path), progress=False)


def _forged(tmp_path: Path, public: str, members: dict[str, bytes]) -> Path:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path = tmp_path / "forged.age"
    path.write_bytes(pyrage.encrypt(raw.getvalue(), [pyrage.x25519.Recipient.from_str(public)]))
    return path


def test_an_archive_with_a_traversing_member_name_is_refused(age_key, tmp_path: Path, db) -> None:  # type: ignore[no-untyped-def]
    public, identity = age_key
    header = json.dumps({"format": "haven-backup", "version": 1, "vendor": "sqlite"}).encode()
    forged = _forged(tmp_path, public, {"haven-backup.json": header, "../../escape": b"x"})
    with pytest.raises(BackupError, match="damaged"):
        restore_backup(forged, identity, installation=_empty_sqlite(tmp_path), progress=False)
    assert not (tmp_path.parent / "escape").exists()


def test_a_backup_from_a_newer_haven_is_refused(
    installed: Path, age_key, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    _sqlite_only()
    public, identity = age_key
    real = backup_write._applied_migrations
    monkeypatch.setattr(
        backup_write, "_applied_migrations", lambda inst: [*real(inst), ["cases", "9999_future"]]
    )
    target = tmp_path / "haven.age"
    create_backup(target, [public], progress=False)
    with pytest.raises(BackupError, match="newer Haven"):
        restore_backup(target, identity, installation=_empty_sqlite(tmp_path), progress=False)


@pytest.mark.parametrize(
    "recipients,message",
    [([], "at least one --recipient"), (["age1notakey"], "Not an age public key")],
)
def test_a_backup_needs_real_recipients(
    installed: Path, tmp_path: Path, recipients: list[str], message: str
) -> None:
    target = tmp_path / "haven.age"
    with pytest.raises(BackupError, match=message):
        create_backup(target, recipients, progress=False)
    assert not target.exists() and not (tmp_path / "haven.age.partial").exists()


@pytest.mark.parametrize(
    "content,message",
    [
        ("# only a comment\n", "holds no age secret key"),
        ("AGE-SECRET-KEY-1NOPE\n", "not an age secret key"),
    ],
)
def test_a_restore_explains_a_bad_identity_file(
    tmp_path: Path,
    age_key,
    content: str,
    message: str,
    db,  # type: ignore[no-untyped-def]
) -> None:
    key = tmp_path / "key.txt"
    key.write_text(content)
    with pytest.raises(BackupError, match=message):
        restore_backup(tmp_path / "x.age", key, progress=False)
    with pytest.raises(BackupError, match="Cannot read"):
        restore_backup(tmp_path / "x.age", tmp_path / "missing.txt", progress=False)


def test_the_commands_report_problems_as_messages(installed: Path, tmp_path: Path, age_key) -> None:
    with pytest.raises(CommandError, match="Not an age public key"):
        call_command("backup", "--to", str(tmp_path / "x.age"), "--recipient", "nope")
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", str(tmp_path / "absent.age"), "--identity", str(age_key[1]))


def test_a_backup_is_audited_and_keeps_the_chain_verifiable(
    installed: Path, tmp_path: Path, age_key
) -> None:
    out = io.StringIO()
    call_command(
        "backup",
        "--to",
        str(tmp_path / "b.age"),
        "--recipient",
        age_key[0],
        "--no-progress",
        stdout=out,
    )
    assert "2 files" in out.getvalue()
    from haven.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="backup.create").count() == 1
    assert verify_chain().ok


def _manifest_of(path: Path, identity: Path) -> dict:  # type: ignore[type-arg]
    identities = backup.load_identities(identity)
    plain = pyrage.decrypt(path.read_bytes(), identities)
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        member = tar.extractfile(backup.MANIFEST)
        assert member is not None
        return json.loads(member.read())  # type: ignore[no-any-return]


def test_a_backup_carries_a_signed_checkpoint_that_witnesses_the_chain(
    installed: Path, tmp_path: Path, age_key
) -> None:
    """The offline key holders become witnesses: the checkpoint in the manifest catches a
    chain rewritten after the backup, and the backup still restores."""
    from haven.audit.log import row_hash
    from haven.audit.models import AuditEvent, AuditHead

    _sqlite_only()
    public, identity = age_key
    target = tmp_path / "haven.age"
    create_backup(target, [public], progress=False)
    manifest = _manifest_of(target, identity)
    checkpoint = manifest["audit_checkpoint"]
    assert checkpoint["seq"] == AuditHead.objects.get(pk=1).last_id
    witness = tmp_path / "from-backup.json"
    witness.write_text(json.dumps(manifest))
    call_command("audit", "verify", "--witness", str(witness))

    first = AuditEvent.objects.order_by("id").first()
    assert first is not None
    AuditEvent.objects.filter(id=first.id).update(action="test.rewritten")
    prev = "0" * 64
    for event in AuditEvent.objects.order_by("id"):
        digest = row_hash(
            id=event.id,
            created_at=event.created_at.isoformat(),
            actor_id=event.actor_id,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            data=event.data,
            prev_hash=prev,
        )
        AuditEvent.objects.filter(id=event.id).update(prev_hash=prev, hash=digest)
        prev = digest
    AuditHead.objects.filter(pk=1).update(last_hash=prev)
    assert verify_chain().ok  # the chain alone cannot tell
    with pytest.raises(CommandError, match=f"BROKEN at row {checkpoint['seq']}"):
        call_command("audit", "verify", "--witness", str(witness))

    restore_backup(target, identity, installation=_empty_sqlite(tmp_path), progress=False)

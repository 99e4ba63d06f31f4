"""Encrypted backups: one age-encrypted tar holding a consistent database snapshot and every
stored file, and the restore of such a file into an empty installation.

Archive layout (in this order, so that a restore can read it as a stream):
    haven-backup.json   format, version, database vendor, creation time, applied migrations
    database.sqlite3    SQLite: a copy made with the online backup API (consistent, no lock-out)
    database.pgdump     or PostgreSQL: `pg_dump --format=custom`
    files/<path>        everything under MEDIA_ROOT
    manifest.json       size and SHA-256 of every member above, and `audit_checkpoint`: a signed
                        checkpoint of the audit chain made just before the snapshot, so that
                        the offline key holders are witnesses too (docs/security.md)

The whole tar is streamed through age (pyrage) to the recipients' public keys: no plaintext
archive is ever written. Only the database snapshot itself touches the disk, in a private folder
beside the live database (it holds exactly what the live database file already holds there).

A restore decrypts into a private staging folder, checks every hash against the manifest and
only then touches the target, so a damaged or foreign file leaves the target as it was.

One module per step: `archive` (the format and the error), `keys`, `progress`, `snapshot`,
`write`, `restore` and `target` (the installation restored into). The names the commands and
tests use are re-exported here.
"""

from haven.ops.backup.archive import (
    CHECKPOINT_KEY,
    FILES_PREFIX,
    FORMAT,
    HEADER,
    MANIFEST,
    PG_MEMBER,
    SQLITE_MEMBER,
    VERSION,
    BackupError,
    Installation,
    Summary,
)
from haven.ops.backup.keys import load_identities, parse_recipients
from haven.ops.backup.restore import restore_backup
from haven.ops.backup.snapshot import pg_env, pg_tool
from haven.ops.backup.target import after_restore, table_counts, target_problem
from haven.ops.backup.write import create_backup

__all__ = [
    "CHECKPOINT_KEY",
    "FILES_PREFIX",
    "FORMAT",
    "HEADER",
    "MANIFEST",
    "PG_MEMBER",
    "SQLITE_MEMBER",
    "VERSION",
    "BackupError",
    "Installation",
    "Summary",
    "after_restore",
    "create_backup",
    "load_identities",
    "parse_recipients",
    "pg_env",
    "pg_tool",
    "restore_backup",
    "table_counts",
    "target_problem",
]

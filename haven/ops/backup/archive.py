"""What a backup file is: its members and format version, the installation it is made from or
restored into, and the error every backup step raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _

from haven.lib.errors import ActionError

FORMAT = "haven-backup"
VERSION = 1
HEADER = "haven-backup.json"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
FILES_PREFIX = "files/"
# Sealed files kept in object storage (HAVEN_STORAGE=s3|files), under their own names: already
# ciphertext under vault keys, and inside the age encryption of the whole archive as well.
OBJECTS_PREFIX = "objects/"
CHECKPOINT_KEY = "audit_checkpoint"
# Rows that a freshly migrated, never used database already holds.
BOOKKEEPING_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


class BackupError(ActionError):
    """A backup or restore that cannot go ahead; the message is for the operator."""


@dataclass(frozen=True)
class Installation:
    """Where an installation keeps its data: a Django database settings dict and MEDIA_ROOT."""

    database: dict[str, Any]
    media_root: Path

    @classmethod
    def current(cls) -> Installation:
        return cls(dict(connections[DEFAULT_DB_ALIAS].settings_dict), Path(settings.MEDIA_ROOT))

    @property
    def vendor(self) -> str:
        engine = self.database["ENGINE"]
        if engine.endswith("sqlite3"):
            return "sqlite"
        if "postgresql" in engine:
            return "postgresql"
        raise BackupError(_("Unsupported database engine: %(engine)s") % {"engine": engine})


@dataclass
class Summary:
    vendor: str
    database_bytes: int = 0
    files: int = 0
    file_bytes: int = 0
    objects: int = 0
    path: Path | None = None
    warnings: list[str] = field(default_factory=list)

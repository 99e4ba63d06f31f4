"""haven.wsgi under observation, for haven.testing.nginx_disk (a test harness, never deployed).

An audit hook keeps a copy of every file this process deletes under HAVEN_OBSERVE_DIRS (a
temporary upload file lives only until the request ends: the copy lets the scan read afterwards
what was on the disk). HAVEN_OBSERVE_DJANGO_DEFAULT_UPLOADS=1 puts Django's own upload handlers
back (files over 2.5 MB spooled to a temporary file), to show that the scan catches them.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
from typing import Any

_WATCHED = tuple(d for d in os.environ.get("HAVEN_OBSERVE_DIRS", "").split(os.pathsep) if d)
_KEPT = os.environ.get("HAVEN_OBSERVE_KEEP", "")
_count = itertools.count()


def _keep_before_delete(event: str, args: tuple[Any, ...]) -> None:
    if event != "os.remove" or not _KEPT or not args or not isinstance(args[0], (str, bytes)):
        return
    path = os.fsdecode(args[0])
    if not path.startswith(_WATCHED) or not os.path.isfile(path):
        return
    shutil.copyfile(path, os.path.join(_KEPT, f"{next(_count)}-{os.path.basename(path)}"))


sys.addaudithook(_keep_before_delete)

from haven.wsgi import application  # noqa: E402

if os.environ.get("HAVEN_OBSERVE_DJANGO_DEFAULT_UPLOADS") == "1":
    from django.conf import global_settings, settings

    settings.FILE_UPLOAD_HANDLERS = global_settings.FILE_UPLOAD_HANDLERS
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = global_settings.FILE_UPLOAD_MAX_MEMORY_SIZE

__all__ = ["application"]

"""Test helpers for "no plaintext byte reaches a disk" (issue 14, finding 6).

- `marker_pdf(marker, size)`: a valid PDF of about `size` bytes whose page content repeats the
  marker (as PDF comments), so any piece of it larger than a few KB still carries the marker.
- `marker_bytes(marker, size)`: opaque bytes with the marker every 4 KB.
- `file_writes()`: a context manager listing every file this Python process opens for writing
  while it is active (Python audit hooks see `open` and `os.open`, so Django's temporary upload
  files, `tempfile` and plain `open(..., "w")` are all caught).
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_recording: list[list[str]] = []
_hooked = False
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def marker_bytes(marker: bytes, size: int) -> bytes:
    line = marker + b"\n"
    block = (line * (4096 // len(line) + 1))[:4096]
    return (block * (size // 4096 + 1))[:size]


def marker_pdf(marker: bytes, size: int) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    content = DecodedStreamObject()
    comment = b"% " + marker + b"\n"
    content.set_data(comment * (size // len(comment) + 1))
    page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _recording or event != "open":
        return
    path, mode, flags = (args + (None, None, None))[:3]
    writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
        isinstance(flags, int) and bool(flags & _WRITE_FLAGS)
    )
    if writes and path is not None and not isinstance(path, int):
        _recording[-1].append(os.fsdecode(path))


@contextmanager
def file_writes() -> Iterator[list[str]]:
    global _hooked
    if not _hooked:  # an audit hook cannot be removed: install one, switch it on and off
        sys.addaudithook(_hook)
        _hooked = True
    seen: list[str] = []
    _recording.append(seen)
    try:
        yield seen
    finally:
        _recording.pop()

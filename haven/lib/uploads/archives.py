"""Zip archives (streamed through a counter that stops at a cap, never extracted) and PDFs."""

from __future__ import annotations

import io
import zipfile

from haven.lib.uploads.codes import (
    _ARCHIVE_MAGICS,
    _HARMLESS_TRAILER,
    _MARKUP,
    CORRUPT,
    ENCRYPTED_ARCHIVE,
    NESTED_ARCHIVE,
    POLYGLOT,
    ZIP_BOMB,
    ZIP_MAX_ENTRIES,
    ZIP_MAX_RATIO,
    _Bad,
)


def _check_zip(data: bytes, *, max_unpacked: int) -> None:
    """Central-directory checks first (entry count, declared sizes and ratios, overlapping
    entries: the non-recursive zip bomb), then every entry streamed through a counter that stops
    at the cap, because declared sizes are only claims."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise _Bad(CORRUPT) from exc
    if len(entries) > ZIP_MAX_ENTRIES:
        raise _Bad(ZIP_BOMB)
    declared = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries)
    if declared > max_unpacked or declared > ZIP_MAX_RATIO * max(packed, 1) + 1024 * 1024:
        raise _Bad(ZIP_BOMB)
    offsets = sorted((e.header_offset, e.header_offset + e.compress_size) for e in entries)
    for (_start, end), (following, _end) in zip(offsets, offsets[1:], strict=False):
        if following < end:
            raise _Bad(ZIP_BOMB)
    budget = max_unpacked
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise _Bad(ENCRYPTED_ARCHIVE)
        if entry.is_dir():
            continue
        budget = _stream_entry(archive, entry, budget)


def _stream_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, budget: int) -> int:
    ratio_cap = ZIP_MAX_RATIO * max(entry.compress_size, 1) + 64 * 1024
    seen = 0
    try:
        with archive.open(entry) as handle:
            head = handle.read(8)
            if head.startswith(_ARCHIVE_MAGICS):
                raise _Bad(NESTED_ARCHIVE)
            seen = len(head)
            while chunk := handle.read(256 * 1024):
                seen += len(chunk)
                if seen > budget or seen > ratio_cap:
                    raise _Bad(ZIP_BOMB)
    except _Bad:
        raise
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        ValueError,
        RuntimeError,
        NotImplementedError,
    ) as exc:
        raise _Bad(CORRUPT) from exc
    if seen > budget:
        raise _Bad(ZIP_BOMB)
    return budget - seen


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise _Bad(CORRUPT)
    tail = data[data.rfind(b"%%EOF") + 5 :]
    if not _HARMLESS_TRAILER.match(tail):
        raise _Bad(POLYGLOT)
    if _MARKUP.search(data[:1024]):
        raise _Bad(POLYGLOT)

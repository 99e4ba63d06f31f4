"""What a file really is, from its bytes, and the verdict: `inspect_upload` never raises."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from haven.lib.uploads.archives import _check_pdf, _check_zip
from haven.lib.uploads.codes import (
    _MARKUP,
    CORRUPT,
    DEFAULT_MAX_PIXELS,
    EMPTY,
    IMAGE_KINDS,
    POLYGLOT,
    TOO_LARGE,
    TYPE_NOT_ALLOWED,
    UNKNOWN_TYPE,
    UNREADABLE,
    ZIP_MAX_UNPACKED_FACTOR,
    ZIP_MIN_UNPACKED_CAP,
    UploadVerdict,
    _Bad,
)
from haven.lib.uploads.images import _check_image
from haven.lib.uploads.names import safe_filename


def inspect_upload(
    name: str,
    stream: BinaryIO,
    *,
    max_bytes: int,
    allowed_kinds: Iterable[str],
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> UploadVerdict:
    """Look at an upload without trusting anything about it. Reads at most max_bytes + 1 bytes
    from the stream's current position and puts the position back when it can."""
    allowed = frozenset(allowed_kinds)
    try:
        data = _read_capped(stream, max_bytes)
    except Exception:  # noqa: BLE001  (a broken upload stream is the sender's problem, not a 500)
        return UploadVerdict(None, safe_filename(name, None), (UNREADABLE,))
    if len(data) > max_bytes:
        kind = detect_kind(data)
        return UploadVerdict(kind, safe_filename(name, kind), (TOO_LARGE,))
    if not data:
        return UploadVerdict(None, safe_filename(name, None), (EMPTY,))
    kind = detect_kind(data)
    problems: list[str] = []
    size: tuple[int, int] | None = None
    if kind is None:
        problems.append(UNKNOWN_TYPE)
    elif kind not in allowed:
        problems.append(TYPE_NOT_ALLOWED)
    else:
        try:
            size = _deep_check(kind, data, max_bytes=max_bytes, max_pixels=max_pixels)
        except _Bad as bad:
            problems.append(bad.code)
        except Exception:  # noqa: BLE001  (any parser surprise on hostile bytes means "corrupt")
            problems.append(CORRUPT)
    width, height = size if size else (None, None)
    return UploadVerdict(kind, safe_filename(name, kind), tuple(problems), width, height)


def _read_capped(stream: BinaryIO, max_bytes: int) -> bytes:
    start = stream.tell() if stream.seekable() else None
    chunks, total = [], 0
    while total <= max_bytes:
        chunk = stream.read(min(1024 * 1024, max_bytes + 1 - total))
        if not chunk:
            break
        chunks.append(bytes(chunk))
        total += len(chunk)
    if start is not None:
        stream.seek(start)
    return b"".join(chunks)


def detect_kind(data: bytes) -> str | None:
    """The file type from its first bytes."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if data.startswith(b"\x1f\x8b"):
        return "gzip"
    return _text_kind(data)


def _text_kind(data: bytes) -> str | None:
    head = data[:4096]
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the 4096th byte is still text.
        if exc.start < len(head) - 4:
            return None
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<svg", b"<?xml")) and b"<svg" in lowered:
        return "svg"
    if _MARKUP.search(head):
        return "html"
    return "text"


def _deep_check(
    kind: str, data: bytes, *, max_bytes: int, max_pixels: int
) -> tuple[int, int] | None:
    if kind in IMAGE_KINDS:
        return _check_image(kind, data, max_pixels=max_pixels)
    if kind == "zip":
        _check_zip(
            data, max_unpacked=max(ZIP_MIN_UNPACKED_CAP, max_bytes * ZIP_MAX_UNPACKED_FACTOR)
        )
    elif kind == "pdf":
        _check_pdf(data)
    elif kind == "text":
        if _MARKUP.search(data):
            raise _Bad(POLYGLOT)
    return None

"""The limits, the kinds and the problem codes every check shares (stable: callers map the codes
to translated messages), the verdict, and the exception a structural check raises."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Image.MAX_IMAGE_PIXELS is Pillow's own default (about 89 megapixels); uploads get less, because
# decoding a 40-megapixel RGBA picture already takes 160 MB of memory per request.
DEFAULT_MAX_PIXELS = 40_000_000
ZIP_MAX_ENTRIES = 2_000
ZIP_MAX_RATIO = 100  # uncompressed / compressed, per entry and overall
ZIP_MAX_UNPACKED_FACTOR = 20  # total unpacked bytes may be at most 20 x max_bytes
ZIP_MIN_UNPACKED_CAP = 50 * 1024 * 1024

IMAGE_KINDS = frozenset({"jpeg", "png", "gif", "webp"})
EXTENSIONS = {
    "jpeg": "jpg",
    "png": "png",
    "gif": "gif",
    "webp": "webp",
    "pdf": "pdf",
    "zip": "zip",
    "gzip": "gz",
    "text": "txt",
    "html": "html",
    "svg": "svg",
}

# Problem codes (stable; callers map them to translated messages).
TOO_LARGE = "too_large"
EMPTY = "empty"
UNKNOWN_TYPE = "unknown_type"
TYPE_NOT_ALLOWED = "type_not_allowed"
CORRUPT = "corrupt"
POLYGLOT = "polyglot"
IMAGE_TOO_LARGE = "image_too_large"
ZIP_BOMB = "zip_bomb"
NESTED_ARCHIVE = "nested_archive"
ENCRYPTED_ARCHIVE = "encrypted_archive"
UNREADABLE = "unreadable"
PROBLEMS = (
    TOO_LARGE,
    EMPTY,
    UNKNOWN_TYPE,
    TYPE_NOT_ALLOWED,
    CORRUPT,
    POLYGLOT,
    IMAGE_TOO_LARGE,
    ZIP_BOMB,
    NESTED_ARCHIVE,
    ENCRYPTED_ARCHIVE,
    UNREADABLE,
)

_ARCHIVE_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf", b"BZh")
# Markup a browser would run or render if it were ever served as HTML.
_MARKUP = re.compile(
    rb"<\s*(script|html|body|iframe|svg|object|embed|meta|\?php)\b|<!doctype\s+html", re.I
)
# Cameras and editors pad some files with zeros or a newline after the end marker.
_HARMLESS_TRAILER = re.compile(rb"[\x00\r\n\t ]*\Z")


@dataclass(frozen=True)
class UploadVerdict:
    kind: str | None  # "jpeg", "png", "gif", "webp", "pdf", "zip", "gzip", "text", "html", "svg"
    safe_name: str
    problems: tuple[str, ...] = ()
    width: int | None = None
    height: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


class _Bad(Exception):
    """A structural check failed; carries a problem code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

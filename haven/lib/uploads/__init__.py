"""Hostile uploads: what a file really is, whether it is safe to keep, and a name to keep it under.

    verdict = inspect_upload(name, stream, max_bytes=25 * 2**20, allowed_kinds={"jpeg", "png", "pdf"})
    if verdict.problems: reject (each problem is a code; haven.ops.uploads translates them)
    clean = reencode_image(data)   # pictures: drops EXIF/GPS, maker notes, comments and trailers

The type comes from the bytes (magic numbers), never from the name or the browser's claim. The
checks are structural walks of the container (JPEG segments, PNG chunks, GIF blocks, the zip
central directory), so that data hidden after an image's end marker (a zip or an HTML page: a
polyglot) is found without trusting any parser to stop where it should. Nothing here writes to
disk, and archives are never extracted: entries are streamed through a counter that stops at a
cap. `inspect_upload` never raises for any input; a broken file is a verdict, not an exception.
Pure: no Django.

One module per step: `codes` (limits, kinds, problem codes, the verdict), `inspection`,
`images`, `archives`, `names` and `cleaning` (working copies). Callers import from here.
"""

from haven.lib.uploads.cleaning import reencode_image, strip_pdf
from haven.lib.uploads.codes import (
    CORRUPT,
    DEFAULT_MAX_PIXELS,
    EMPTY,
    ENCRYPTED_ARCHIVE,
    EXTENSIONS,
    IMAGE_KINDS,
    IMAGE_TOO_LARGE,
    NESTED_ARCHIVE,
    POLYGLOT,
    PROBLEMS,
    TOO_LARGE,
    TYPE_NOT_ALLOWED,
    UNKNOWN_TYPE,
    UNREADABLE,
    ZIP_BOMB,
    ZIP_MAX_ENTRIES,
    ZIP_MAX_RATIO,
    ZIP_MAX_UNPACKED_FACTOR,
    ZIP_MIN_UNPACKED_CAP,
    UploadVerdict,
)
from haven.lib.uploads.inspection import detect_kind, inspect_upload
from haven.lib.uploads.names import safe_filename, sent_name

__all__ = [
    "CORRUPT",
    "DEFAULT_MAX_PIXELS",
    "EMPTY",
    "ENCRYPTED_ARCHIVE",
    "EXTENSIONS",
    "IMAGE_KINDS",
    "IMAGE_TOO_LARGE",
    "NESTED_ARCHIVE",
    "POLYGLOT",
    "PROBLEMS",
    "TOO_LARGE",
    "TYPE_NOT_ALLOWED",
    "UNKNOWN_TYPE",
    "UNREADABLE",
    "UploadVerdict",
    "ZIP_BOMB",
    "ZIP_MAX_ENTRIES",
    "ZIP_MAX_RATIO",
    "ZIP_MAX_UNPACKED_FACTOR",
    "ZIP_MIN_UNPACKED_CAP",
    "detect_kind",
    "inspect_upload",
    "reencode_image",
    "safe_filename",
    "sent_name",
    "strip_pdf",
]

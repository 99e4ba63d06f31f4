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
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO

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


# ---- images -----------------------------------------------------------------------------------


def _check_image(kind: str, data: bytes, *, max_pixels: int) -> tuple[int, int]:
    walker: Callable[[bytes], tuple[int, int, int]] = {
        "jpeg": _walk_jpeg,
        "png": _walk_png,
        "gif": _walk_gif,
        "webp": _walk_webp,
    }[kind]
    width, height, end = walker(data)
    if width <= 0 or height <= 0:
        raise _Bad(CORRUPT)
    # The header's dimensions decide before anything is decoded: a 50 KB PNG can claim
    # 100,000 x 100,000 pixels and take 40 GB to decode.
    if width * height > max_pixels:
        raise _Bad(IMAGE_TOO_LARGE)
    trailer = data[end:]
    if trailer and not _HARMLESS_TRAILER.match(trailer):
        raise _Bad(POLYGLOT)
    if _MARKUP.search(data[:end]):
        # Markup inside metadata (a comment, an EXIF field) makes an image/HTML polyglot.
        raise _Bad(POLYGLOT)
    _pillow_agrees(data, width, height, max_pixels)
    return width, height


def _pillow_agrees(data: bytes, width: int, height: int, max_pixels: int) -> None:
    """Pillow must read the same header and decode the pixels: the dimensions are already known
    to be within the limit, and a picture accepted here must be one that can be re-encoded."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.size != (width, height):
                    raise _Bad(CORRUPT)
                image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _Bad(IMAGE_TOO_LARGE) from exc
        except _Bad:
            raise
        except Exception as exc:  # noqa: BLE001
            raise _Bad(CORRUPT) from exc


_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _walk_jpeg(data: bytes) -> tuple[int, int, int]:
    """Segments up to the end-of-image marker; returns (width, height, offset after EOI).
    Entropy-coded data is skipped byte by byte: there FF is followed by 00 (stuffing) or a
    restart marker, so any other FFxx is the next marker."""
    pos, size = 2, None
    n = len(data)
    while pos < n:
        if data[pos] != 0xFF:
            raise _Bad(CORRUPT)
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= n:
            break
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            if size is None:
                raise _Bad(CORRUPT)
            return size[0], size[1], pos
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue
        if pos + 2 > n:
            break
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > n:
            raise _Bad(CORRUPT)
        if marker in _JPEG_SOF and length >= 7:
            height, width = struct.unpack(">HH", data[pos + 3 : pos + 7])
            size = (width, height)
        pos += length
        if marker == 0xDA:  # start of scan: skip the entropy-coded data
            pos = _skip_entropy(data, pos)
    raise _Bad(CORRUPT)


def _skip_entropy(data: bytes, pos: int) -> int:
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            raise _Bad(CORRUPT)
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos += 1 if following == 0xFF else 2
            continue
        return pos


def _walk_png(data: bytes) -> tuple[int, int, int]:
    pos, size = 8, None
    while pos + 12 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise _Bad(CORRUPT)
        if ctype == b"IHDR" and length >= 8:
            width, height = struct.unpack(">II", data[pos + 8 : pos + 16])
            size = (width, height)
        if ctype == b"IEND":
            if size is None:
                raise _Bad(CORRUPT)
            return size[0], size[1], end
        pos = end
    raise _Bad(CORRUPT)


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    while True:
        if pos >= len(data):
            raise _Bad(CORRUPT)
        block = data[pos]
        pos += 1
        if block == 0:
            return pos
        pos += block


def _walk_gif(data: bytes) -> tuple[int, int, int]:
    if len(data) < 13:
        raise _Bad(CORRUPT)
    width, height, flags = struct.unpack("<HHB", data[6:11])
    pos = 13
    if flags & 0x80:
        pos += 3 * (2 ** ((flags & 0x07) + 1))
    while pos < len(data):
        introducer = data[pos]
        pos += 1
        if introducer == 0x3B:  # trailer
            return width, height, pos
        if introducer == 0x21:  # extension: label, then sub-blocks
            pos = _skip_sub_blocks(data, pos + 1)
        elif introducer == 0x2C:  # image descriptor (9 bytes), local table, LZW size, sub-blocks
            if pos + 9 > len(data):
                raise _Bad(CORRUPT)
            local = data[pos + 8]
            pos += 9
            if local & 0x80:
                pos += 3 * (2 ** ((local & 0x07) + 1))
            pos = _skip_sub_blocks(data, pos + 1)
        else:
            raise _Bad(CORRUPT)
    raise _Bad(CORRUPT)


def _walk_webp(data: bytes) -> tuple[int, int, int]:
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = 8 + riff_size
    if end > len(data) or riff_size < 12:
        raise _Bad(CORRUPT)
    chunk = data[12:16]
    body = data[20:]
    if chunk == b"VP8X" and len(body) >= 10:
        width = 1 + int.from_bytes(body[4:7], "little")
        height = 1 + int.from_bytes(body[7:10], "little")
    elif chunk == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        width, height = (v & 0x3FFF for v in struct.unpack("<HH", body[6:10]))
    elif chunk == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        bits = int.from_bytes(body[1:5], "little")
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    else:
        raise _Bad(CORRUPT)
    return width, height, end + (riff_size & 1)


# ---- archives and documents -------------------------------------------------------------------


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


# ---- names ------------------------------------------------------------------------------------

_WINDOWS_RESERVED = (
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)
_UNSAFE_CHARS = re.compile(r"[^\w.\-]+", re.UNICODE)


def safe_filename(name: str, kind: str | None, *, max_length: int = 100) -> str:
    """A name safe to show and to use as a download name: no folders, no control or bidi
    characters, no leading dots, a bounded length, and the extension of the detected type."""
    if not isinstance(name, str):
        name = ""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    stem = _UNSAFE_CHARS.sub("_", stem).strip(" ._-")
    stem = re.sub(r"_{2,}", "_", stem)
    if not stem or stem.lower() in _WINDOWS_RESERVED:
        stem = f"file_{stem}" if stem else "file"
    extension = EXTENSIONS.get(kind or "", "bin")
    return f"{stem[: max_length - len(extension) - 1]}.{extension}"


def sent_name(name: str, *, max_length: int = 100) -> str:
    """The file's name as the person sent it, safe to show in an error: no folders, no control or
    bidi characters, bounded, but with the extension they gave it. An error must name the file
    they chose ("evil.jpg"), not the type we found inside it ("evil.html"), or they cannot tell
    which of their files is meant."""
    if not isinstance(name, str):
        name = ""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > max_length:
        base = base[: max_length - 1] + "…"
    return base or safe_filename(name, None)


# ---- re-encoding ------------------------------------------------------------------------------

_SAVE_FORMAT = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "GIF", "WEBP": "WEBP"}


def reencode_image(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> bytes:
    """The picture alone: pixels decoded and encoded again into the same format, so that EXIF
    (GPS, camera serial, time), XMP, IPTC, comments, maker notes, thumbnails and any trailer
    are gone. The orientation tag is applied to the pixels first so the picture stays upright.
    Raises ValueError for anything that is not a safe image (call inspect_upload first)."""
    from PIL import Image, ImageOps

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as source:
                fmt = _SAVE_FORMAT.get(source.format or "")
                if fmt is None or source.width * source.height > max_pixels:
                    raise ValueError("not a supported image")
                upright = ImageOps.exif_transpose(source)
                clean = _pixels_only(upright)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ValueError("image too large") from exc
        except ValueError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise ValueError("unreadable image") from exc
    out = io.BytesIO()
    options: dict[str, object] = {}
    if fmt == "JPEG":
        clean = clean.convert("RGB")
        options = {"quality": 90, "optimize": True}
    elif fmt == "WEBP":
        options = {"quality": 90}
    clean.save(out, format=fmt, **options)
    return out.getvalue()


def _pixels_only(image: Any) -> Any:
    """A new image built from the raw pixel bytes alone (plus the palette a paletted image
    needs): none of the source's info, EXIF or ICC travels with it."""
    from PIL import Image

    mode = image.mode if image.mode in {"1", "L", "LA", "P", "RGB", "RGBA"} else "RGBA"
    source = image.convert(mode) if mode != image.mode else image
    clean = Image.frombytes(mode, source.size, source.tobytes())
    if mode == "P":
        palette = source.getpalette()
        if palette:
            clean.putpalette(palette)
    return clean


# What a page keeps: what it needs to be drawn. Everything else goes, whitelisted rather than
# blacklisted because a page dictionary can point at anything (an /AA with JavaScript or a
# launch action, /Annots whose links run actions or carry file attachments, /PieceInfo with an
# editor's private data, or an unknown key leading back to the original catalogue).
_PDF_PAGE_KEEP = frozenset(
    {
        "/Type",
        "/Parent",
        "/Resources",
        "/MediaBox",
        "/CropBox",
        "/BleedBox",
        "/TrimBox",
        "/ArtBox",
        "/Contents",
        "/Rotate",
        "/Group",
        "/UserUnit",
    }
)
# Resource entries that can lead to active content or attachments are dropped from each page's
# resources too: only fonts, colour spaces, patterns, shadings, images and forms are drawn.
_PDF_RESOURCES_KEEP = frozenset(
    {"/Font", "/ColorSpace", "/Pattern", "/Shading", "/XObject", "/ExtGState", "/ProcSet"}
)


def _strip_resources(resources: Any, seen: set[int]) -> None:
    """Resources keep only what draws; images and forms lose their own XMP (a photo placed in a
    PDF keeps its camera's metadata there), and forms' nested resources are cleaned the same."""
    from pypdf.generic import DictionaryObject, IndirectObject, NameObject

    if resources is None:
        return
    if isinstance(resources, IndirectObject):
        if resources.idnum in seen:
            return
        seen.add(resources.idnum)
    resources = resources.get_object()
    if not isinstance(resources, DictionaryObject):
        return
    for key in [k for k in resources if k not in _PDF_RESOURCES_KEEP]:
        del resources[NameObject(key)]
    xobjects = resources.get("/XObject")
    xobjects = xobjects.get_object() if xobjects is not None else None
    if not isinstance(xobjects, DictionaryObject):
        return
    for ref in xobjects.values():
        if isinstance(ref, IndirectObject):
            if ref.idnum in seen:
                continue
            seen.add(ref.idnum)
        xobject = ref.get_object()
        if not isinstance(xobject, DictionaryObject):
            continue
        for key in ("/Metadata", "/PieceInfo", "/OC", "/OPI"):
            if key in xobject:
                del xobject[NameObject(key)]
        _strip_resources(xobject.get("/Resources"), seen)


def strip_pdf(data: bytes, *, max_pages: int = 2000) -> bytes:
    """The pages of a PDF and nothing else: a new document whose catalogue holds only its pages,
    so no document information (author, creator tool, dates), no XMP, no /OpenAction or /AA, no
    /Names tree (JavaScript, embedded files), no forms (AcroForm, XFA), no outlines with actions;
    and pages reduced to what draws them, so no annotations (comments carry their authors'
    names, links run actions), no page actions, no thumbnails. The keys are removed from the
    source pages *before* they are copied, so no dropped object is copied along as an orphan.
    Raises ValueError for anything that cannot be rewritten safely (call inspect_upload first:
    it rejects polyglots and bombs)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValueError("encrypted PDF")
        if len(reader.pages) > max_pages:
            raise ValueError("too many pages")
        writer = PdfWriter()
        for page in reader.pages:
            for key in [k for k in page if k not in _PDF_PAGE_KEEP]:
                del page[NameObject(key)]
            _strip_resources(page.get("/Resources"), set())
            writer.add_page(page)
        # pypdf writes a /Producer of its own; an empty information dictionary says nothing.
        writer.metadata = None
        out = io.BytesIO()
        writer.write(out)
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001  (any parser surprise on hostile bytes)
        raise ValueError("unreadable PDF") from exc
    return out.getvalue()

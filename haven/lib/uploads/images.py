"""Structural walks of pictures (JPEG segments, PNG chunks, GIF blocks, WebP chunks): the size
the container claims, and where it really ends, so that data after the end marker is found."""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Callable

from haven.lib.uploads.codes import (
    _HARMLESS_TRAILER,
    _MARKUP,
    CORRUPT,
    IMAGE_TOO_LARGE,
    POLYGLOT,
    _Bad,
)


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

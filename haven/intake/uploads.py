"""Checking and cleaning files a person attaches: type by content (never by name), size, and
image metadata (EXIF, GPS) removed by re-encoding before anything is stored."""

from __future__ import annotations

import io
import re
import unicodedata

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from haven.intake.actions import UploadedFile

# Decompression bombs: refuse images over this many pixels before decoding them.
MAX_PIXELS = 40_000_000
_KINDS = {
    b"\x89PNG\r\n\x1a\n": ("image/png", "PNG"),
    b"\xff\xd8\xff": ("image/jpeg", "JPEG"),
    b"GIF87a": ("image/gif", "GIF"),
    b"GIF89a": ("image/gif", "GIF"),
    b"%PDF-": ("application/pdf", None),
}


class UploadRejected(Exception):
    """The message is shown to the person as it is."""


def _kind(head: bytes) -> tuple[str, str | None] | None:
    for magic, kind in _KINDS.items():
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ("image/webp", "WEBP")
    return None


def safe_name(name: str) -> str:
    """A file name with no path, no control characters, at most 100 characters."""
    name = unicodedata.normalize("NFKC", name).replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".") or "file"
    return name[:100]


def clean_upload(name: str, data: bytes, *, max_bytes: int) -> UploadedFile:
    if not data:
        raise UploadRejected(_("The file %(name)s is empty.") % {"name": safe_name(name)})
    if len(data) > max_bytes:
        raise UploadRejected(
            _("The file %(name)s is larger than %(mb)d MB.")
            % {"name": safe_name(name), "mb": max_bytes // 2**20}
        )
    kind = _kind(data[:16])
    if kind is None:
        raise UploadRejected(
            _("The file %(name)s is not a picture or a PDF.") % {"name": safe_name(name)}
        )
    content_type, pil_format = kind
    if pil_format is None:
        return UploadedFile(safe_name(name), content_type, data, stripped=False)
    return UploadedFile(
        safe_name(name), content_type, _strip_image(data, pil_format, name), stripped=True
    )


def _strip_image(data: bytes, pil_format: str, name: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise UploadRejected(
                    _("The picture %(name)s is too large to process.") % {"name": safe_name(name)}
                )
            probe.load()
            # A fresh image from the pixels alone: EXIF, GPS, XMP and comments stay behind.
            clean = Image.new(probe.mode, probe.size)
            clean.putdata(list(probe.getdata())) if probe.mode == "P" else clean.paste(probe)
            palette = probe.getpalette() if probe.mode == "P" else None
            if palette:
                clean.putpalette(palette)
            out = io.BytesIO()
            save_format = pil_format if pil_format != "GIF" else "PNG"
            if save_format == "JPEG" and clean.mode not in ("RGB", "L"):
                clean = clean.convert("RGB")
            clean.save(out, format=save_format)
            return out.getvalue()
    except UploadRejected:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        Image.DecompressionBombError,
        SyntaxError,
    ) as exc:
        raise UploadRejected(
            _("The picture %(name)s could not be read.") % {"name": safe_name(name)}
        ) from exc

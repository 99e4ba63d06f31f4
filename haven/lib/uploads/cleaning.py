"""Working copies without metadata: pictures re-encoded from their pixels, PDFs rewritten with
only what a page needs to be drawn."""

from __future__ import annotations

import io
import warnings
from typing import Any

from haven.lib.uploads.codes import DEFAULT_MAX_PIXELS

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

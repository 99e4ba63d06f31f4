"""A PDF built to carry everything a working copy must lose: JavaScript run on opening
(/OpenAction and the /Names JavaScript tree), page and document additional actions (/AA), a
launch action, an annotation with an action, an embedded file, an XFA form, and full metadata
(document information and XMP). `active_content_left(data)` lists what survived, read with pypdf."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

AUTHOR = "Ислам Исаев"
PRODUCER = "SecretProducer 9.1"
XMP_MARKER = "XmpCreatorMarker"
JS_MARKER = "app.alert('hostile')"
EMBEDDED_MARKER = b"embedded-secret-payload"
PAGE_TEXT = "page text kept"


def _js(code: str) -> DictionaryObject:
    return DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(code)}
    )


def hostile_pdf() -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    content = DecodedStreamObject()
    content.set_data(f"BT /F1 12 Tf 20 100 Td ({PAGE_TEXT}) Tj ET".encode())
    page[NameObject("/Contents")] = writer._add_object(content)
    launch = DictionaryObject(
        {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("cmd.exe"),
        }
    )
    page[NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): _js(JS_MARKER), NameObject("/C"): writer._add_object(launch)}
    )
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(0), FloatObject(0)] * 2),
            NameObject("/A"): _js(JS_MARKER),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    root = writer._root_object
    root[NameObject("/OpenAction")] = writer._add_object(_js(JS_MARKER))
    root[NameObject("/AA")] = DictionaryObject({NameObject("/WC"): _js(JS_MARKER)})
    writer.add_attachment("secret.txt", EMBEDDED_MARKER)  # /Names /EmbeddedFiles
    names = root["/Names"].get_object()
    assert isinstance(names, DictionaryObject)
    names[NameObject("/JavaScript")] = DictionaryObject(
        {
            NameObject("/Names"): ArrayObject(
                [TextStringObject("hostile"), writer._add_object(_js(JS_MARKER))]
            )
        }
    )
    xfa = DecodedStreamObject()
    xfa.set_data(b"<xdp:xdp><script>" + JS_MARKER.encode() + b"</script></xdp:xdp>")
    root[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): writer._add_object(xfa)}
    )
    xmp = DecodedStreamObject()
    xmp.set_data(
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
        f'xmp:CreatorTool="{XMP_MARKER}"/></rdf:RDF></x:xmpmeta>'.encode()
    )
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    root[NameObject("/Metadata")] = writer._add_object(xmp)
    writer.add_metadata({"/Author": AUTHOR, "/Producer": PRODUCER, "/Creator": XMP_MARKER})
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert active_content_left(data), "the hostile PDF must carry what it claims"
    return data


def _walk(obj: object, seen: set[int], found: set[str]) -> None:
    """Every reachable object of the document, looking for active content by its keys."""
    from pypdf.generic import IndirectObject

    if isinstance(obj, IndirectObject):
        if obj.idnum in seen:
            return
        seen.add(obj.idnum)
        obj = obj.get_object()
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key in ("/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/XFA"):
                found.add(key)
            if key == "/S" and value in ("/JavaScript", "/Launch", "/SubmitForm", "/ImportData"):
                found.add(str(value))
            _walk(value, seen, found)
    elif isinstance(obj, list):
        for value in obj:
            _walk(value, seen, found)


def active_content_left(data: bytes) -> list[str]:
    """What of the above a reader of `data` can still find (empty for a clean working copy)."""
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"].get_object()
    assert isinstance(root, DictionaryObject)
    left = {
        key for key in ("/OpenAction", "/AA", "/Names", "/AcroForm", "/Metadata") if key in root
    }
    for page in reader.pages:
        left |= {f"page {key}" for key in ("/AA", "/Annots") if key in page}
    info = reader.trailer.get("/Info")
    if info is not None and len(info.get_object()):
        left.add("/Info")
    found: set[str] = set()
    _walk(reader.trailer, set(), found)
    # Also every object in the file, reachable or not: an orphan still ships its bytes.
    for number in range(1, int(reader.trailer.get("/Size", 0))):
        try:
            _walk(reader.get_object(number), set(), found)
        except Exception:  # noqa: BLE001, S112  (a number that is not an object)
            continue
    for marker in (
        AUTHOR.encode("utf-16-be"),
        PRODUCER.encode(),
        XMP_MARKER.encode(),
        EMBEDDED_MARKER,
    ):
        if marker in data:
            left.add(f"bytes {marker[:12]!r}")
    return sorted(left | found)

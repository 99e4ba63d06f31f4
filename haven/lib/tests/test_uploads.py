"""Hostile uploads: types from bytes, bombs, polyglots, odd names, metadata stripping."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from haven.lib import uploads
from haven.lib.uploads import inspect_upload, reencode_image, safe_filename

MB = 1024 * 1024
PICTURES = {"jpeg", "png", "gif", "webp", "pdf"}


def picture(fmt: str = "JPEG", size: tuple[int, int] = (32, 24), **save: object) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 90))
    if fmt == "GIF":
        image = image.convert("P")
    image.save(out, format=fmt, **save)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc"  # Make
    gps = {1: "N", 2: (43.0, 19.0, 4.0), 3: "E", 4: (45.0, 41.0, 56.0)}  # Grozny
    exif[0x8825] = gps
    return picture("JPEG", exif=exif.tobytes())


def check(data: bytes, name: str = "photo.jpg", kinds=PICTURES, max_bytes: int = 5 * MB, **kw):
    return inspect_upload(name, io.BytesIO(data), max_bytes=max_bytes, allowed_kinds=kinds, **kw)


def png_chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


@pytest.mark.parametrize(
    "fmt,kind", [("JPEG", "jpeg"), ("PNG", "png"), ("GIF", "gif"), ("WEBP", "webp")]
)
def test_a_plain_picture_passes_with_its_real_type_and_size(fmt: str, kind: str) -> None:
    verdict = check(picture(fmt), name="IMG_0001.whatever")
    assert verdict.ok, verdict.problems
    assert verdict.kind == kind
    assert (verdict.width, verdict.height) == (32, 24)
    assert verdict.safe_name == f"IMG_0001.{uploads.EXTENSIONS[kind]}"


def test_the_type_comes_from_the_bytes_not_the_name() -> None:
    verdict = check(b"<html><script>alert(1)</script></html>", name="holiday.jpg")
    assert verdict.kind == "html"
    assert verdict.problems == (uploads.TYPE_NOT_ALLOWED,)
    assert verdict.safe_name == "holiday.html"


def test_a_file_over_the_limit_is_refused_without_reading_it_all() -> None:
    stream = io.BytesIO(picture("PNG") + b"\0" * (2 * MB))
    verdict = inspect_upload("a.png", stream, max_bytes=MB, allowed_kinds={"png"})
    assert verdict.problems == (uploads.TOO_LARGE,)
    assert stream.tell() == 0  # position restored for the caller


def test_an_empty_file_and_an_unknown_type_are_named_problems() -> None:
    assert check(b"").problems == (uploads.EMPTY,)
    assert check(b"\x00\x01\x02garbage\xff" * 10).problems == (uploads.UNKNOWN_TYPE,)


@pytest.mark.parametrize(
    "trailer",
    [
        b"PK\x03\x04" + b"\x00" * 40,  # a zip hidden behind the image
        b"<html><body><script>steal()</script>",
        b"%PDF-1.7 hidden",
    ],
)
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_data_after_the_end_of_an_image_makes_it_a_polyglot(fmt: str, trailer: bytes) -> None:
    assert check(picture(fmt) + trailer).problems == (uploads.POLYGLOT,)


def test_a_real_zip_appended_to_a_jpeg_is_a_polyglot() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.txt", "secret")
    verdict = check(picture("JPEG") + archive.getvalue())
    assert verdict.kind == "jpeg" and verdict.problems == (uploads.POLYGLOT,)


def test_zero_padding_after_an_image_is_harmless() -> None:
    assert check(picture("JPEG") + b"\x00" * 64).ok


def test_markup_inside_image_metadata_is_a_polyglot() -> None:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "JPEG", comment=b"<script>alert(1)</script>")
    assert check(out.getvalue()).problems == (uploads.POLYGLOT,)


def test_a_png_claiming_enormous_dimensions_is_refused_before_decoding() -> None:
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + png_chunk(b"IEND", b"")
    )
    assert check(bomb).problems == (uploads.IMAGE_TOO_LARGE,)


def test_the_pixel_limit_is_the_callers_to_choose() -> None:
    data = picture("PNG", size=(400, 300))
    assert check(data, max_pixels=100_000).problems == (uploads.IMAGE_TOO_LARGE,)
    assert check(data, max_pixels=120_000).ok


def test_a_truncated_picture_is_corrupt() -> None:
    data = picture("JPEG")
    assert check(data[: len(data) // 2]).problems == (uploads.CORRUPT,)
    png = picture("PNG")
    assert check(png[:-20]).problems == (uploads.CORRUPT,)


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, body in entries.items():
            z.writestr(name, body)
    return out.getvalue()


ARCHIVES = PICTURES | {"zip"}


def test_an_ordinary_zip_passes() -> None:
    assert check(_zip({"a.txt": b"hello" * 100, "b.jpg": picture()}), kinds=ARCHIVES).ok


def test_a_highly_compressed_zip_is_a_bomb() -> None:
    bomb = _zip({"zeros.bin": b"\0" * (20 * MB)})
    assert len(bomb) < 100_000
    assert check(bomb, kinds=ARCHIVES).problems == (uploads.ZIP_BOMB,)


def test_a_zip_whose_entries_lie_about_their_size_is_caught_while_streaming() -> None:
    data = bytearray(_zip({"zeros.bin": b"\0" * (2 * MB)}))
    # Rewrite the central directory's declared uncompressed size to something innocent.
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 1000)
    verdict = check(bytes(data), kinds=ARCHIVES)
    assert verdict.problems in ((uploads.ZIP_BOMB,), (uploads.CORRUPT,))
    assert not verdict.ok


def test_overlapping_zip_entries_are_a_bomb() -> None:
    data = bytearray(_zip({"a.txt": b"x" * 500, "b.txt": b"y" * 500}))
    second = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, second + 42, 0)  # b.txt now points at a.txt's bytes
    assert check(bytes(data), kinds=ARCHIVES).problems == (uploads.ZIP_BOMB,)


def test_an_archive_inside_an_archive_is_refused() -> None:
    inner = _zip({"inner.txt": b"hi"})
    assert check(_zip({"inner.zip": inner}), kinds=ARCHIVES).problems == (uploads.NESTED_ARCHIVE,)


def test_a_zip_with_too_many_entries_is_a_bomb() -> None:
    many = _zip({f"{i}.txt": b"" for i in range(uploads.ZIP_MAX_ENTRIES + 1)})
    assert check(many, kinds=ARCHIVES).problems == (uploads.ZIP_BOMB,)


def test_a_pdf_with_something_after_its_end_is_a_polyglot() -> None:
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert check(pdf).ok
    assert check(pdf + b"PK\x03\x04" + b"\0" * 30).problems == (uploads.POLYGLOT,)


@pytest.mark.parametrize(
    "name,expected",
    [
        ("../../etc/passwd", "passwd.bin"),
        ("..\\..\\windows\\system32\\evil.exe", "evil.bin"),
        ("/abs/path/.bashrc", "bashrc.bin"),
        ("CON.txt", "file_CON.bin"),
        ("", "file.bin"),
        ("..", "file.bin"),
        ("паспорт Ахмед\u202egpj.exe", "паспорт_Ахмедgpj.bin"),
        ("a\x00b\nc.jpg", "abc.bin"),
        ("x" * 500 + ".jpg", "x" * 96 + ".bin"),
    ],
)
def test_odd_and_traversing_names_become_safe(name: str, expected: str) -> None:
    assert safe_filename(name, None) == expected


def test_reencoding_drops_exif_and_gps_but_keeps_the_picture() -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    clean = reencode_image(original)
    with Image.open(io.BytesIO(clean)) as image:
        assert image.size == (32, 24)
        assert not image.getexif()
        assert "exif" not in image.info and "comment" not in image.info
    assert b"SpyCam" not in clean
    assert check(clean).ok


def test_reencoding_applies_the_orientation_before_dropping_it() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    rotated = picture("JPEG", size=(40, 10), exif=exif.tobytes())
    with Image.open(io.BytesIO(reencode_image(rotated))) as image:
        assert image.size == (10, 40)


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "WEBP"])
def test_reencoding_keeps_the_format(fmt: str) -> None:
    with Image.open(io.BytesIO(reencode_image(picture(fmt)))) as image:
        assert image.format == fmt


def test_reencoding_refuses_what_is_not_a_picture() -> None:
    with pytest.raises(ValueError):
        reencode_image(b"%PDF-1.4 not a picture")


class Exploding(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        raise OSError("client went away")


def test_a_stream_that_fails_mid_read_is_a_verdict() -> None:
    verdict = inspect_upload("x.jpg", Exploding(), max_bytes=MB, allowed_kinds=PICTURES)  # type: ignore[arg-type]
    assert verdict.problems == (uploads.UNREADABLE,)


SEEDS = [picture("JPEG"), picture("PNG"), picture("GIF"), picture("WEBP"), _zip({"a": b"abc" * 50})]


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    seed = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        if not seed:
            break
        at = draw(st.integers(0, len(seed) - 1))
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            seed[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del seed[at : at + draw(st.integers(1, 64))]
        else:
            seed[at:at] = draw(st.binary(max_size=64))
    return bytes(seed)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=2048), mangled()), name=st.text(max_size=300))
def test_any_bytes_and_any_name_give_a_clean_verdict(data: bytes, name: str) -> None:
    verdict = inspect_upload(name, io.BytesIO(data), max_bytes=64 * 1024, allowed_kinds=ARCHIVES)
    assert isinstance(verdict, uploads.UploadVerdict)
    assert "/" not in verdict.safe_name and "\\" not in verdict.safe_name
    assert not verdict.safe_name.startswith(".") and len(verdict.safe_name) <= 100
    if verdict.ok and verdict.kind in uploads.IMAGE_KINDS:
        reencode_image(data)  # an accepted picture can always be cleaned


def test_a_pdf_working_copy_keeps_its_pages_and_loses_every_action_file_form_and_metadata() -> None:
    from pypdf import PdfReader

    from haven.testing.hostile_pdf import PAGE_TEXT, active_content_left, hostile_pdf

    hostile = hostile_pdf()
    carried = set(active_content_left(hostile))
    for key in ("/OpenAction", "/AA", "/JavaScript", "/Launch", "/EmbeddedFiles", "/XFA"):
        assert key in carried  # the sample really carries what the copy must lose
    assert {"/Info", "/Metadata", "page /AA", "page /Annots"} <= carried
    clean = uploads.strip_pdf(hostile)
    assert active_content_left(clean) == []
    reader = PdfReader(io.BytesIO(clean))
    assert len(reader.pages) == 1 and PAGE_TEXT.encode() in clean
    assert not reader.metadata and reader.xmp_metadata is None

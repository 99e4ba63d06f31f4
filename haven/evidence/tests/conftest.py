from __future__ import annotations

import datetime
import io

import pytest

from haven.evidence import actions
from haven.testing.personas import keyring_for


def jpeg_with_gps() -> bytes:
    """A small JPEG carrying EXIF (GPS and camera), as a phone would send it."""
    from PIL import Image

    img = Image.new("RGB", (32, 24), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (43.0, 18.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def ring(personas):  # type: ignore[no-untyped-def]
    return keyring_for(personas.docofficer)


@pytest.fixture
def incident(personas, ring):  # type: ignore[no-untyped-def]
    """An incident the documentation officer holds; the lawyer persona does not."""
    return actions.create_incident(
        keyring=ring,
        title="Задержание",
        summary="Detained at home",
        violations=["arbitrary_detention", "torture"],
        date_start=datetime.date(2026, 3, 14),
    )


@pytest.fixture
def testimony(ring, incident):  # type: ignore[no-untyped-def]
    return actions.add_testimony(
        keyring=ring,
        incident=incident,
        given_by="Салех Мусаев",
        given_on=datetime.date(2026, 4, 1),
        language="ru",
        text="Салеха Мусаева задержали в Грозном. Позвоните Салеху: +7 928 111-22-33.",
        consent=["internal", "court"],
        may_be_named=True,
    )


@pytest.fixture
def photo(ring, incident, testimony):  # type: ignore[no-untyped-def]
    return actions.capture_attachment(
        keyring=ring,
        incident=incident,
        name="../../evil name.jpg",
        data=jpeg_with_gps(),
        declared_type="image/jpeg",
        notes="phone of the cousin",
        testimony=testimony,
    )


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """Messages are asserted in English; the default language is Russian."""
    from django.utils import translation

    with translation.override("en"):
        yield

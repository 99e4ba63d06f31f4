"""No raw internal value (an enum key such as `in_transit`, `down`, `male`, `court`, or a
"(day)"-style precision code) in what a reader sees, on any page the crawler reaches or in any
bundle the app builds, in Russian and in English. The values are collected from every
TextChoices class in Haven (haven/testing/raw_values.py), so a new enum is covered at once."""

from __future__ import annotations

import io
import zipfile

import pytest

from haven.testing.crawler import LAST_CRAWL, crawl_everyone, staff_client
from haven.testing.raw_values import find_raw_values, raw_values, text_nodes
from haven.testing.world import build_awkward_world

pytestmark = pytest.mark.django_db


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_no_page_any_persona_reaches_shows_a_raw_internal_value(personas, lang) -> None:
    results = LAST_CRAWL.get(lang)
    if results is None:
        world = build_awkward_world(personas)
        results = crawl_everyone(world, personas, lang)
    values = raw_values(lang)
    found: dict[str, list[str]] = {}
    for who, result in results.items():
        for page in result.pages:
            if page.status != 200 or not page.html:
                continue
            for hit in find_raw_values(text_nodes(page.html), values):
                found.setdefault(f"{page.url.split('?')[0]} ({who})", []).append(hit)
    assert not found, "\n".join(f"{url}: {hits[:5]}" for url, hits in sorted(found.items()))


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_no_evidence_bundle_summary_shows_a_raw_internal_value(personas, lang) -> None:
    from haven.evidence.bundle import BundleAudience

    world = build_awkward_world(personas)
    client = staff_client(personas.docofficer, lang)
    values = raw_values(lang)
    found = []
    for incident in world.made["incidents"]:
        for audience in BundleAudience.values:
            response = client.post(
                f"/staff/evidence/{incident.pk}/export/",
                {"audience": audience, "override_reason": ""},
            )
            if response.status_code != 200 or response["Content-Type"] != "application/zip":
                continue  # refused by consent: nothing leaves, nothing to read
            with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
                text = _pdf_text(bundle.read("summary.pdf"))
            found += [
                f"{incident.reference} {audience}: {hit}"
                for hit in find_raw_values(text.splitlines(), values)
            ]
    assert found == [], "\n".join(found)


def test_the_raw_value_check_finds_a_value_shown_instead_of_its_label() -> None:
    values = raw_values("en")
    assert {"in_transit", "down", "male", "court", "arbitrary_detention", "day"} <= set(values)
    nodes = text_nodes(
        "<dd>in_transit</dd><td>down</td><p>Date (day)</p><p>Sex: male</p>"
        '<option value="court">Courts</option><a href="/x?state=in_transit">In transit</a>'
        "<p>Come back down the road tomorrow.</p>"
    )
    hits = find_raw_values(nodes, values)
    assert [h.split()[0] for h in hits] == ["'in_transit'", "'down'", "'day'", "'male'"]

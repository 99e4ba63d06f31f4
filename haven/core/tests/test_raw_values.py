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


def _user_names(personas) -> frozenset[str]:  # type: ignore[no-untyped-def]
    """Staff user names are typed by people ("lawyer", "admin"): data, not codes."""
    from haven.accounts.models import User

    return (
        frozenset(User.objects.values_list("username", flat=True))
        | {u.username for u in personas.all().values()}
        | {"cw2"}
    )


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
    ignore = _user_names(personas)
    found: dict[str, list[str]] = {}
    for who, result in results.items():
        for page in result.pages:
            if page.status != 200 or not page.html:
                continue
            for hit in find_raw_values(text_nodes(page.html), values, language=lang, ignore=ignore):
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
                for hit in find_raw_values(
                    text.splitlines(), values, language=lang, ignore=_user_names(personas)
                )
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
    hits = find_raw_values(nodes, values, language="ru")
    assert [h.split()[0] for h in hits] == ["'in_transit'", "'down'", "'day'", "'male'"]
    # On an English page only codes with an underscore count; user names are never codes.
    english = find_raw_values(nodes, values, language="en")
    assert [h.split()[0] for h in english] == ["'in_transit'"]
    assert find_raw_values(text_nodes("<td>lawyer</td>"), values, language="ru") != []
    # An address format or a text placeholder written out for the reader is not a code; the
    # same word alone still is (above).
    assert find_raw_values(text_nodes("<td>down://…</td>"), values, language="ru") == []
    assert find_raw_values(text_nodes("<td>%(down)s</td>"), values, language="ru") == []
    assert (
        find_raw_values(
            text_nodes("<td>lawyer</td>"), values, language="ru", ignore=frozenset({"lawyer"})
        )
        == []
    )


def test_collecting_the_values_leaves_a_tests_captured_logs_working(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The journeys check pages for raw values and then scan the captured logs for leaks: if
    # collecting the values reconfigured logging, that scan would read nothing and pass.
    import logging

    raw_values("ru")
    logging.getLogger("haven.channels").warning("still heard")
    assert "still heard" in caplog.text

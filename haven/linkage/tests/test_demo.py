"""The demo: a newcomer signed in as the coordinator finds suggestions from a partner file."""

from __future__ import annotations

import pytest

from haven.core.registry import demo_loaders
from haven.linkage.models import LinkageSuggestion
from haven.testing.world import demo_context


@pytest.mark.django_db
def test_the_demo_leaves_suggestions_for_the_coordinator(personas, client_for) -> None:  # type: ignore[no-untyped-def]
    ctx = demo_context(personas)
    for label, loader in demo_loaders():
        if label != "reports":  # two years of nameless history, not needed here
            loader(ctx)
    ctx.flush()
    assert any("Shared with partners" in line for line in ctx.notes)
    # Абдулаев, Мальсагов and Исмаилова are in both lists; Smirnova and Гайрбеков are not ours.
    assert LinkageSuggestion.objects.count() == 3
    page = client_for(personas.coordinator).get("/staff/linkage/")
    assert page.status_code == 200 and "Абдулаев" in page.content.decode()

"""Suppression must hold against an attacker who knows how tables add up."""

from __future__ import annotations

from defusedxml import ElementTree
from hypothesis import given
from hypothesis import strategies as st

from haven.lib.charts import bar_chart, column_chart
from haven.lib.suppression import protect, protected_median


def _possible_values(table, key) -> int | float:  # type: ignore[no-untyped-def]
    """How many values the hidden cell `key` could take, given what was published. The attacker
    knows the visible cells, the total if shown, and that hidden cells are at least 1 (zeros are
    shown): n hidden cells adding up to H leave each one H - n + 1 possible values."""
    hidden = [k for k, c in table.cells.items() if c.suppressed]
    if table.total.suppressed:
        return float("inf")
    rest = table.total.value - sum(c.value for c in table.cells.values() if not c.suppressed)
    if len(hidden) == 1:
        return 1  # total minus the visible cells gives it exactly
    return rest - len(hidden) + 1


@given(
    counts=st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 30), min_size=1, max_size=4),
    k=st.integers(2, 6),
)
def test_no_hidden_count_can_be_worked_out_from_what_is_published(
    counts: dict[str, int], k: int
) -> None:
    table = protect(counts, k=k)
    for key, cell in table.cells.items():
        if not cell.suppressed:
            assert cell.value == counts[key]
            assert cell.value == 0 or cell.value >= k
        else:
            assert _possible_values(table, key) > 1, (counts, k, key)
    hidden = [counts[key] for key, c in table.cells.items() if c.suppressed]
    if hidden and not table.total.suppressed:
        assert len(hidden) >= 2 and sum(hidden) >= k
    if not table.total.suppressed:
        assert table.total.value == sum(counts.values())


def test_a_small_total_hides_everything() -> None:
    table = protect({"de": 2, "fr": 1}, k=5)
    assert table.total.suppressed and all(c.suppressed for c in table.cells.values())


def test_one_small_cell_takes_a_complement_with_it() -> None:
    table = protect({"de": 40, "fr": 3, "ca": 12}, k=5)
    assert (
        table.cells["fr"].suppressed
        and table.cells["ca"].suppressed
        and not table.cells["de"].suppressed
    )
    assert table.total.value == 55
    assert [c.export(5) for c in table.cells.values()] == ["40", "<5", "<5"]


def test_medians_of_small_groups_are_not_shown() -> None:
    assert protected_median([1, 2, 3, 4], k=5) is None
    assert protected_median([1, 2, 3, 4, 5], k=5) == 3


def test_charts_are_plain_svg_with_hostile_labels_escaped() -> None:
    table = protect({"<script>alert(1)</script>": 3, "Грозный & co": 40, 'x"y': 12}, k=5)
    svg = bar_chart(table.rows(), title="Outcomes <b>", suppressed_label="fewer than 5")
    ElementTree.fromstring(svg)
    assert "<script" not in svg and "onload" not in svg.lower() and 'href="http' not in svg
    assert "fewer than 5" in svg and "Грозный &amp; co" in svg
    ElementTree.fromstring(
        column_chart(
            [("2026-W01", 7), ("2026-W02", table.cells['x"y'])],
            title="Weekly",
            suppressed_label="<5",
        )
    )
    ElementTree.fromstring(
        bar_chart([], title="Empty", suppressed_label="<5", empty_label="no data")
    )

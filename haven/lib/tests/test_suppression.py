"""Suppression must hold against an attacker who knows how tables add up."""

from __future__ import annotations

from defusedxml import ElementTree
from hypothesis import given
from hypothesis import strategies as st

from haven.lib.charts import bar_chart, column_chart
from haven.lib.suppression import protect, protected_median


def _possible_values(table, key, k: int, bound: int = 200) -> int:  # type: ignore[no-untyped-def]
    """How many values the hidden cell `key` could take, by brute force over what was published:
    visible cells, the total if shown, 1..k-1 for a "fewer than k" cell, at least k for a cell
    hidden to protect another. Independent of the library's own reasoning."""
    hidden = [name for name, c in table.cells.items() if c.suppressed]
    ranges = [range(1, k) if table.cells[name].small else range(k, bound) for name in hidden]
    if table.total.suppressed:
        return len(ranges[hidden.index(key)])
    rest = table.total.value - sum(c.value for c in table.cells.values() if not c.suppressed)
    seen: set[int] = set()

    def search(i: int, remaining: int, mine: int | None) -> None:
        if len(seen) > 1:
            return
        if i == len(hidden):
            if remaining == 0 and mine is not None:
                seen.add(mine)
            return
        for v in ranges[i]:
            if v > remaining:
                break
            search(i + 1, remaining - v, v if hidden[i] == key else mine)

    search(0, rest, None)
    return len(seen)


@given(
    counts=st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 30), min_size=1, max_size=4),
    k=st.integers(3, 6),
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
            assert cell.small == (counts[key] < k)  # "fewer than k" is never said of a bigger count
        if cell.suppressed:
            assert _possible_values(table, key, k) > 1, (counts, k, key)
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
    assert [c.export(5) for c in table.cells.values()] == [
        "40",
        "<5",
        "x",
    ]  # 12 is not "fewer than 5"


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


def test_a_cell_hidden_to_protect_another_is_never_called_fewer_than_k() -> None:
    table = protect({"de": 40, "fr": 3, "ca": 12}, k=5)
    svg = bar_chart(table.rows(), title="t", suppressed_label="fewer than 5", hidden_label="hidden")
    assert svg.count("fewer than 5") == 1 and svg.count(">hidden<") == 1

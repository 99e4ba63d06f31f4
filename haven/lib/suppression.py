"""Small-count protection for published tables.

A count from 1 to k-1 can point at a person, so it is shown as "fewer than k". Hiding one cell
is not enough when a total is published: total minus the visible cells gives it back. So the
table gets *complementary* suppression: more cells are hidden until

  1. no hidden count can be recovered by subtraction (at least two hidden cells, or a hidden
     total), and
  2. the hidden cells together hold at least k people, so that "the hidden cells add up to N"
     does not itself reveal a small group, and more people than there are hidden cells (every
     hidden cell is at least 1, since zeros are shown, so n cells adding up to n are all 1);

and if that cannot be done, the total is hidden too. A total from 1 to k-1 hides everything.
Zeros stay visible: a zero identifies nobody.

What this does not cover: differences between two published tables of overlapping periods
(publish one period per release), and tables derived from the same cells in another shape
(publish those from these suppressed values, not from the raw counts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

K_DEFAULT = 5
Key = TypeVar("Key")


@dataclass(frozen=True)
class Cell:
    value: int | None  # None when suppressed
    suppressed: bool

    def export(self, k: int) -> str:
        return f"<{k}" if self.suppressed else str(self.value)

    def as_json(self, k: int) -> object:
        return {"suppressed": True, "below": k} if self.suppressed else self.value


@dataclass(frozen=True)
class Table(Generic[Key]):
    cells: dict[Key, Cell]
    total: Cell
    k: int

    def rows(self) -> list[tuple[Key, Cell]]:
        return list(self.cells.items())


def protect(counts: Mapping[Key, int], *, k: int = K_DEFAULT) -> Table[Key]:
    if k < 2:
        raise ValueError("k must be at least 2")
    if any(c < 0 for c in counts.values()):
        raise ValueError("counts are never negative")
    total = sum(counts.values())
    if 0 < total < k:
        return Table(
            {key: Cell(None, c > 0) if c > 0 else Cell(0, False) for key, c in counts.items()},
            Cell(None, True),
            k,
        )
    hidden = {key for key, c in counts.items() if 0 < c < k}
    total_hidden = False
    if hidden:
        candidates = sorted(
            (c, str(key), key) for key, c in counts.items() if key not in hidden and c > 0
        )
        # Hidden cells are known to be at least 1 (zeros are shown), so n hidden cells adding up
        # to n would each be exactly 1: the hidden sum must exceed the number hidden, too.
        while len(hidden) < 2 or sum(counts[key] for key in hidden) < max(k, len(hidden) + 1):
            if not candidates:
                total_hidden = True
                break
            _c, _s, key = candidates.pop(0)
            hidden.add(key)
    cells = {
        key: Cell(None, True) if key in hidden else Cell(c, False) for key, c in counts.items()
    }
    return Table(cells, Cell(None, True) if total_hidden else Cell(total, False), k)


def protected_median(values: list[float], *, k: int = K_DEFAULT) -> float | None:
    """A median of fewer than k people's values is not shown at all."""
    if len(values) < k:
        return None
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2

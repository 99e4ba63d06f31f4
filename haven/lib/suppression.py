"""Small-count protection for published tables.

A count from 1 to k-1 can point at a person, so it is shown as "fewer than k". Hiding one cell
is not enough when a total is published: total minus the visible cells gives it back. So the
table gets *complementary* suppression: more cells are hidden until

  1. no hidden count can be worked out exactly — not by subtraction from the total, and not by
     combining the total with what the labels say (a "fewer than k" cell lies in 1..k-1, a cell
     hidden only to protect another is at least k and is labelled differently, because calling
     it "fewer than k" would be false), and
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
    small: bool = False  # hidden because it is below k; False for a cell hidden to protect another

    def export(self, k: int) -> str:
        """CSV form: "<k" for a small count; "x" for a count hidden only to protect another
        (it may hold 40 people: calling it "fewer than k" would be false)."""
        if not self.suppressed:
            return str(self.value)
        return f"<{k}" if self.small else "x"

    def as_json(self, k: int) -> object:
        if not self.suppressed:
            return self.value
        return {"suppressed": True, "below": k if self.small else None}


@dataclass(frozen=True)
class Table(Generic[Key]):
    cells: dict[Key, Cell]
    total: Cell
    k: int

    def rows(self) -> list[tuple[Key, Cell]]:
        return list(self.cells.items())


def _pinned(counts: Mapping[Key, int], small: set[Key], hidden: set[Key], k: int) -> bool:
    """Can any hidden count be worked out from the published table? The reader knows the visible
    cells, the total, that a "fewer than k" cell lies in 1..k-1 and that a cell hidden only to
    protect another is at least k. With one sum, each hidden cell's possible values form the
    range below; one possible value means it is pinned."""
    if len(hidden) < 2:
        return True
    rest = sum(counts[key] for key in hidden)
    bounds = {key: (1, k - 1) if key in small else (k, rest) for key in hidden}
    for key in hidden:
        others_lo = sum(lo for other, (lo, _hi) in bounds.items() if other != key)
        others_hi = sum(hi for other, (_lo, hi) in bounds.items() if other != key)
        lo = max(bounds[key][0], rest - others_hi)
        hi = min(bounds[key][1], rest - others_lo)
        if hi <= lo:
            return True
    return False


def protect(counts: Mapping[Key, int], *, k: int = K_DEFAULT) -> Table[Key]:
    if k < 3:
        raise ValueError("k must be at least 3: 'fewer than 2' would mean 'exactly 1'")
    if any(c < 0 for c in counts.values()):
        raise ValueError("counts are never negative")
    total = sum(counts.values())
    if 0 < total < k:
        cells = {
            key: Cell(None, True, True) if c > 0 else Cell(0, False) for key, c in counts.items()
        }
        return Table(cells, Cell(None, True, True), k)
    small = {key for key, c in counts.items() if 0 < c < k}
    hidden = set(small)
    total_hidden = False
    if hidden:
        candidates = sorted(
            (c, str(key), key) for key, c in counts.items() if key not in hidden and c > 0
        )
        # Hide more (smallest first) until no hidden count can be worked out from the total and
        # the hidden cells add up to at least k; failing that, hide the total too.
        while _pinned(counts, small, hidden, k) or sum(counts[key] for key in hidden) < k:
            if not candidates:
                total_hidden = True
                break
            _c, _s, key = candidates.pop(0)
            hidden.add(key)
    cells = {
        key: Cell(None, True, key in small) if key in hidden else Cell(c, False)
        for key, c in counts.items()
    }
    return Table(cells, Cell(None, True, False) if total_hidden else Cell(total, False), k)


def protected_median(values: list[float], *, k: int = K_DEFAULT) -> float | None:
    """A median of fewer than k people's values is not shown at all."""
    if len(values) < k:
        return None
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2

"""Repeated alarms shown once: an escalation that notifies the same person at every step, or a
panic button pressed five times, is one row with a count, not five identical rows that push
everything else off the screen."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass
class Group(Generic[T]):
    latest: T  # the newest row of the group (rows arrive newest first)
    rows: list[T]

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def earliest(self) -> T:
        return self.rows[-1]

    @property
    def unread(self) -> bool:
        return any(getattr(r, "read_at", False) is None for r in self.rows)

    def __getattr__(self, name: str) -> Any:
        # Templates read the group like its newest row ({{ g.reference }}).
        if name in ("latest", "rows"):
            raise AttributeError(name)
        return getattr(self.latest, name)


def group_repeats(rows: Iterable[T], key: Callable[[T], Hashable]) -> list[Group[T]]:
    """Rows with the same key as one group, in the order of each group's newest row."""
    groups: dict[Hashable, Group[T]] = {}
    for row in rows:
        k = key(row)
        if k in groups:
            groups[k].rows.append(row)
        else:
            groups[k] = Group(latest=row, rows=[row])
    return list(groups.values())


def notification_key(n: Any) -> Hashable:
    return (n.kind, n.reference, n.link)

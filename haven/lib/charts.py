"""Charts as inline SVG, drawn on the server: no JavaScript, no external request, readable at
360 px (viewBox, width 100%), with a text alternative. Suppressed values are drawn as a hatched
bar labelled by the caller (e.g. the translated "fewer than 5")."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from itertools import count

from haven.lib.suppression import Cell

_ids = count(1)
BAR = "#1f77b4"  # colour-blind-safe blue; hatching carries the suppressed meaning, not colour


def _value(cell: Cell | int) -> tuple[int | None, bool]:
    if isinstance(cell, Cell):
        return cell.value, cell.suppressed
    return int(cell), False


def _hidden_label(cell: Cell | int, suppressed_label: str, hidden_label: str) -> str:
    return suppressed_label if not isinstance(cell, Cell) or cell.small else hidden_label


def bar_chart(
    rows: Sequence[tuple[str, Cell | int]],
    *,
    title: str,
    suppressed_label: str,
    k: int = 5,
    empty_label: str = "—",
    hidden_label: str = "×",
) -> str:
    """Horizontal bars (also used as the pipeline funnel)."""
    uid = next(_ids)
    row_h, label_w, width = 26, 170, 640
    height = max(1, len(rows)) * row_h + 36
    values = [_value(c) for _label, c in rows]
    top = max([v for v, _s in values if v] + [k, 1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="c{uid}t" viewBox="0 0 {width} {height}" width="100%" class="chart">',
        f'<title id="c{uid}t">{escape(title)}</title>',
        f'<defs><pattern id="h{uid}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="none"/><line x1="0" y1="0" x2="0" y2="6" stroke="#888" stroke-width="2"/></pattern></defs>',
        f'<text x="0" y="16" font-size="14" font-weight="bold" fill="currentColor">{escape(title)}</text>',
    ]
    if not rows:
        parts.append(
            f'<text x="0" y="40" font-size="13" fill="currentColor">{escape(empty_label)}</text>'
        )
    for i, ((label, cell), (value, suppressed)) in enumerate(zip(rows, values, strict=True)):
        y = 28 + i * row_h
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="12" fill="currentColor">{escape(str(label))[:40]}</text>'
        )
        if suppressed:
            w = (width - label_w - 90) * (k - 1) / top
            parts.append(
                f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="url(#h{uid})" stroke="#888"/>'
            )
            parts.append(
                f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="12" fill="currentColor">{escape(_hidden_label(cell, suppressed_label, hidden_label))}</text>'
            )
        else:
            w = (width - label_w - 90) * (value or 0) / top
            parts.append(
                f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{BAR}"/>'
            )
            parts.append(
                f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="12" fill="currentColor">{value}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def column_chart(
    points: Sequence[tuple[str, Cell | int]],
    *,
    title: str,
    suppressed_label: str,
    k: int = 5,
    empty_label: str = "—",
    hidden_label: str = "×",
) -> str:
    """Vertical columns over time (requests per week)."""
    uid = next(_ids)
    width, height, bottom = 640, 220, 190
    values = [_value(c) for _label, c in points]
    top = max([v for v, _s in values if v] + [k, 1])
    step = (width - 20) / max(1, len(points))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="c{uid}t" viewBox="0 0 {width} {height}" width="100%" class="chart">',
        f'<title id="c{uid}t">{escape(title)}</title>',
        f'<defs><pattern id="h{uid}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#888" stroke-width="2"/></pattern></defs>',
        f'<text x="0" y="16" font-size="14" font-weight="bold" fill="currentColor">{escape(title)}</text>',
        f'<line x1="10" y1="{bottom}" x2="{width - 10}" y2="{bottom}" stroke="#888"/>',
    ]
    if not points:
        parts.append(
            f'<text x="10" y="60" font-size="13" fill="currentColor">{escape(empty_label)}</text>'
        )
    for i, ((label, cell), (value, suppressed)) in enumerate(zip(points, values, strict=True)):
        x = 12 + i * step
        shown = k - 1 if suppressed else (value or 0)
        h = (bottom - 40) * shown / top
        fill = f"url(#h{uid})" if suppressed else BAR
        parts.append(
            f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{max(step - 4, 2):.1f}" height="{h:.1f}" fill="{fill}"><title>{escape(str(label))}: {escape(_hidden_label(cell, suppressed_label, hidden_label)) if suppressed else value}</title></rect>'
        )
        if len(points) <= 16 or i % max(1, len(points) // 8) == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{bottom + 14}" font-size="10" fill="currentColor">{escape(str(label))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)

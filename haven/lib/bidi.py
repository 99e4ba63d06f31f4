"""Bidirectional-text control characters, neutralised before anything is displayed.

A right-to-left override (U+202E) typed into a name or a message reverses everything after it
on the page that prints it: a staff page can be made to show "resettled" where the state is
"detained", or a link text that reads backwards. None of these characters is needed to write
Russian, English, Chechen or Arabic correctly (the browser's bidi algorithm orders RTL text by
itself), so display output carries none of them.
"""

from __future__ import annotations

# Embeddings and overrides (U+202A..E), isolates (U+2066..9), the LRM/RLM marks (U+200E/F) and
# the Arabic letter mark (U+061C).
BIDI_CONTROLS = frozenset(
    [
        *map(chr, range(0x202A, 0x202F)),
        *map(chr, range(0x2066, 0x206A)),
        "\u200e",
        "\u200f",
        "\u061c",
    ]
)
_TABLE = dict.fromkeys(map(ord, BIDI_CONTROLS))


def neutralise(text: str) -> str:
    """`text` without any bidi control character."""
    return text.translate(_TABLE)


def has_controls(text: str) -> bool:
    # In C over the whole page: a generator over each character cost ~1.5 ms per staff page.
    return not BIDI_CONTROLS.isdisjoint(text)

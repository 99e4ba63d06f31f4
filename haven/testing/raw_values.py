"""Finding raw internal values (enum keys, state codes) in what a reader sees.

`raw_values()` collects every value of every TextChoices/IntegerChoices class defined in Haven
(found from the classes themselves, so a new enum is checked without editing a list).
`find_raw_values(text_nodes)` returns the ones that appear where a label should be.

A value with an underscore (`in_transit`, `arbitrary_detention`) never occurs in prose, so it
is flagged anywhere as a whole word, in both languages. A plain word (`down`, `male`, `court`,
`day`) is flagged on Russian pages when it stands alone in a text node or between separators
("Статус: down", "(day)", "male,"), which is how a value printed instead of its label shows up.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from html.parser import HTMLParser

from django.db import models
from django.utils import translation

_URL_SCHEME = re.compile(r"\b[a-z][a-z0-9+.-]*://")
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")
_SEPARATORS = re.compile(r"\s*(?:[,;:·•|()\[\]{}«»\"“”—–/=+]|\s{2,}|\n)\s*")


def _all_subclasses(cls: type) -> list[type]:
    out: list[type] = []
    subclasses: list[type] = type.__subclasses__(cls)
    for sub in subclasses:
        out.append(sub)
        out.extend(_all_subclasses(sub))
    return out


def choice_classes() -> list[type[models.Choices]]:
    import haven

    for module in pkgutil.walk_packages(haven.__path__, "haven."):
        if ".tests" in module.name or ".migrations" in module.name or "management" in module.name:
            continue
        if module.name.startswith("haven.testing"):
            continue
        if module.name == "haven.wsgi":
            # Importing it builds the WSGI application: Django's logging is configured again
            # (the root handlers replaced, so a test's caplog hears nothing more and its leak
            # scan of the logs passes blind) and the process umask changes. It holds no enum.
            continue
        importlib.import_module(module.name)
    return [
        c
        for c in _all_subclasses(models.Choices)
        if c.__module__.startswith("haven.") and getattr(c, "__members__", None)
    ]


def raw_values(language: str) -> dict[str, str]:
    """{raw value: "Module.Class"} for every string value whose label, in `language`, is not
    the value itself (a value that is its own label is not raw when shown)."""
    out: dict[str, str] = {}
    with translation.override(language):
        for cls in choice_classes():
            for member in cls:
                value = str(member.value)
                if not isinstance(member.value, str) or len(value) < 2:
                    continue
                if str(member.label) == value:
                    continue
                out.setdefault(value, f"{cls.__module__}.{cls.__qualname__}")
    return out


class _TextNodes(HTMLParser):
    """Text a reader sees: data outside <script>, <style> and attribute values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.nodes.append(data)


def text_nodes(html: str) -> list[str]:
    parser = _TextNodes()
    parser.feed(html)
    return parser.nodes


def find_raw_values(
    nodes: list[str], values: dict[str, str], *, language: str, ignore: frozenset[str] = frozenset()
) -> list[str]:
    """Raw values in `nodes`. Plain-word values are looked for on Russian pages only: there a
    Latin word such as `down` standing alone can only be a code, while on an English page the
    same word may be the translation itself ("active") or prose ("(days)"). `ignore` holds
    user data that may look like a value (staff user names such as `lawyer`)."""
    snake = {v for v in values if "_" in v} - ignore
    plain = (set(values) - snake - ignore) if language == "ru" else set()
    found = []
    for node in nodes:
        # A URL scheme written out for the reader ("signal://…", "matrix://…" in Apprise's help)
        # is an address format, and a placeholder in a text a coordinator edits ("%(codename)s")
        # is the text's syntax: neither is a stored code, even where it spells one.
        node = _PLACEHOLDER.sub(" ", _URL_SCHEME.sub(" ", node))
        for word in re.findall(r"[A-Za-z0-9_]+", node):
            if word in snake:
                found.append(f"{word!r} ({values[word]}) in {node.strip()[:120]!r}")
        for chunk in _SEPARATORS.split(node):
            chunk = chunk.strip(" .!?")
            if chunk in plain:
                found.append(f"{chunk!r} ({values[chunk]}) in {node.strip()[:120]!r}")
    return found

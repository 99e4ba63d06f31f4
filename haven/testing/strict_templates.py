"""Templates that fail on a missing variable instead of printing nothing.

Django prints `string_if_invalid` (by default "") wherever a template names a variable that does
not exist, so a typo or a renamed attribute silently empties a field on a page. With
`InvalidVariable` in place the render raises and the test that rendered the page fails, naming
the variable. (`{% if %}` still treats a missing variable as false, as Django documents.)
"""

from __future__ import annotations

import copy
from typing import Any


class MissingTemplateVariable(Exception):
    pass


class InvalidVariable(str):
    """Django formats `string_if_invalid % variable_name` when it contains "%s": that is the
    moment a missing variable is used, so it raises there."""

    def __new__(cls, *_ignored: Any) -> InvalidVariable:
        return super().__new__(cls, "%s")

    def __mod__(self, name: Any) -> str:
        raise MissingTemplateVariable(f"template variable {name!r} does not exist")


def strict_templates_setting(templates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of settings.TEMPLATES whose Django engines raise on a missing variable."""
    strict = copy.deepcopy(templates)
    for engine in strict:
        if engine["BACKEND"].endswith("DjangoTemplates"):
            engine.setdefault("OPTIONS", {})["string_if_invalid"] = InvalidVariable()
    return strict

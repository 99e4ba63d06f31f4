"""Form widgets drawn in Python where Django's templates cost more than the page."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.utils import flatatt
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import get_language


class QuickSelect(forms.Select):
    """A <select> with the same markup as Django's, built in Python. Django's template renderer
    includes one template (and its attributes template) per option: a country list of 250
    options cost several milliseconds per select, and the case page draws two of them and
    three staff lists (measured in issue 16)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        # Django's `optgroups()` builds a context dict per option (and `flatatt` per option):
        # most of a 250-option select's cost. The same rules, in one pass: the top-level value
        # None becomes "", a (value, [choices]) pair is an <optgroup>, only the first matching
        # option is selected unless the select is multiple; values and labels escaped as the
        # template's autoescape would.
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        chosen = set(self.format_value(value))
        parts: list[str] = [f'<select name="{conditional_escape(name)}"{flatatt(final_attrs)}>']
        has_selected = False
        for option_value, option_label in self.choices:
            if option_value is None:
                option_value = ""
            grouped = isinstance(option_label, (list, tuple))
            if grouped:
                parts.append(f'<optgroup label="{conditional_escape(option_value)}">')
            group: Any = option_label if grouped else [(option_value, option_label)]
            for sub_value, sub_label in group:
                selected = (not has_selected or self.allow_multiple_selected) and (
                    str(sub_value) in chosen
                )
                has_selected |= selected
                parts.append(
                    f'<option value="{conditional_escape(str(sub_value))}"'
                    f"{' selected' if selected else ''}>{conditional_escape(sub_label)}</option>"
                )
            if grouped:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 — every piece above is escaped


@functools.lru_cache(maxsize=64)
def _drawn_options(
    choices_of: Callable[[], Iterable[tuple[Any, Any]]], key: str | None
) -> tuple[dict[str, int], tuple[str, ...]]:
    """The <option> elements of a flat list of choices, escaped once per `key`, and the index
    of the first option of each value."""
    index: dict[str, int] = {}
    parts: list[str] = []
    for value, label in choices_of():
        text = "" if value is None else str(value)
        index.setdefault(text, len(parts))
        parts.append(
            f'<option value="{conditional_escape(text)}">{conditional_escape(label)}</option>'
        )
    return index, tuple(parts)


class LanguageChoicesSelect(QuickSelect):
    """A long, flat select whose choices depend only on the page's language (the countries):
    its options are drawn once per language and process, and only the chosen one is redrawn.
    `choices_of` must be the field's own choices callable, so that what is shown is what is
    accepted. Same markup as Django's Select (tested)."""

    def __init__(
        self, attrs: dict[str, Any] | None = None, *, choices_of: Callable[[], Iterable[Any]]
    ) -> None:
        super().__init__(attrs)
        self.choices_of = choices_of

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        index, parts = _drawn_options(self.choices_of, get_language())
        chosen = self.format_value(value)
        at = next((index[v] for v in chosen if v in index), None)
        drawn = list(parts)
        if at is not None:
            drawn[at] = drawn[at].replace('">', '" selected>', 1)
        body = "".join(drawn)
        return mark_safe(  # noqa: S308 — every piece is escaped in _drawn_options
            f'<select name="{conditional_escape(name)}"{flatatt(final_attrs)}>{body}</select>'
        )


# Django's widget templates that only include input.html (checked by the tests against the
# installed Django, so an upgrade that changes one falls back to the template, never drifts).
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input", "checkbox", "color", "date", "datetime", "email", "file", "hidden", "number",
        "password", "search", "tel", "text", "time", "url",
    )
)  # fmt: skip
LABEL_TEMPLATE = "django/forms/label.html"
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"
SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _formatted(value: Any) -> str:
    """`{{ value|stringformat:'s' }}` under autoescape: the filter keeps a safe string safe."""
    if isinstance(value, tuple):
        value = str(value)
    return str(value) if isinstance(value, SafeData) else escape(f"{value}")


def _attrs(attrs: dict[str, Any] | None) -> str:
    """django/forms/attrs.html and widgets/attrs.html."""
    return "".join(
        f" {conditional_escape(name)}" + ("" if value is True else f'="{_formatted(value)}"')
        for name, value in (attrs or {}).items()
        if value is not False
    )


def _is_text(value: Any) -> bool:
    return isinstance(value, (str, Promise))


def _select(widget: dict[str, Any]) -> str | None:
    """django/forms/widgets/select.html with its option template, whitespace and all (a label
    that is not text, which the template would localise, goes back to the template)."""
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name and not _is_text(group_name):
            return None
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in options:
            if option.get("template_name") != OPTION_TEMPLATE or not _is_text(option["label"]):
                return None
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _text(value: Any) -> str:
    """`{{ value }}` of a string or a lazy translation (no localisation applies to either)."""
    return conditional_escape(value if isinstance(value, str) else str(value))


class QuickRenderer(DjangoTemplates):
    """Django's form renderer, with the templates every form field passes through (its label,
    its attributes, the <input>, the <textarea> and the <select> with its options) drawn in
    Python with the same markup. On the case page they were 23 labels and 41 attribute includes
    per request, a fifth of the page's template time (issue 16). Every other template, and any of these whose context is not the
    plain one Django builds, goes to the template engine as before."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        quick = self._quick(template_name, context) if request is None else None
        if quick is None:
            return str(super().render(template_name, context, request))
        return quick.strip()

    def _quick(self, template_name: str, context: dict[str, Any]) -> str | None:
        if template_name == LABEL_TEMPLATE:
            label = _text(context["label"])
            if not context["use_tag"]:
                return label
            tag = conditional_escape(context["tag"])
            return f"<{tag}{_attrs(context['attrs'])}>{label}</{tag}>"
        widget = context.get("widget")
        if not isinstance(widget, dict):
            return None
        if template_name in INPUT_TEMPLATES:
            value = widget["value"]
            shown = "" if value is None else f' value="{_formatted(value)}"'
            return (
                f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
                f"{shown}{_attrs(widget['attrs'])}>"
            )
        if template_name == SELECT_TEMPLATE:
            return _select(widget)
        if template_name == TEXTAREA_TEMPLATE:
            value = widget["value"]
            if value and not isinstance(value, str):
                return None  # a number or a date would be localised by the template
            body = _text(value) if value else ""
            return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{body}</textarea>'
        return None

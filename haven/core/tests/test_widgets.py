"""QuickSelect draws what Django's Select draws."""

from __future__ import annotations

import pytest
from django import forms
from django.test.html import parse_html

from haven.core.widgets import QuickSelect

CHOICES = [
    ("", "—"),
    ("DE", "Германия"),
    ("x<y", 'Tom & "Jerry" <b>'),
    ("Группа", [("a", "A"), ("b", "B")]),
]


@pytest.mark.parametrize("value", [None, "", "DE", "x<y", "b"])
@pytest.mark.parametrize("attrs", [{}, {"id": "id_c", "required": True, "aria-invalid": "true"}])
def test_quick_select_draws_the_same_markup_as_django_select(value, attrs) -> None:  # type: ignore[no-untyped-def]
    ours = QuickSelect(choices=CHOICES).render("c", value, attrs=dict(attrs))
    django = forms.Select(choices=CHOICES).render("c", value, attrs=dict(attrs))
    assert parse_html(ours) == parse_html(django)
    assert "<b>" not in ours


def test_a_bound_field_with_a_quick_select_shows_the_submitted_choice() -> None:
    class F(forms.Form):
        c = forms.ChoiceField(choices=CHOICES, widget=QuickSelect)

    html = str(F({"c": "DE"})["c"])
    assert parse_html('<option value="DE" selected>Германия</option>') in parse_html(html)

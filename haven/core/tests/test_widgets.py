"""QuickSelect draws what Django's Select draws."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.test.html import parse_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

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


def test_quick_select_matches_django_on_integers_lazy_labels_and_repeated_values() -> None:
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    choices = [
        (None, gettext_lazy("Any")),
        (1, gettext_lazy("Open")),
        (1, "the same value again: Django selects only the first"),
        (2, mark_safe("<em>safe</em>")),  # noqa: S308 — a label marked safe stays as it is
        ("g", [(3, "three"), (None, "none inside a group")]),
    ]
    for value in (None, "", 1, "1", 2, 3, "None"):
        ours = QuickSelect(choices=choices).render("c", value)
        django = forms.Select(choices=choices).render("c", value)
        assert parse_html(ours) == parse_html(django), value


@pytest.mark.django_db
def test_quick_select_matches_django_for_a_model_choice_field() -> None:
    from haven.accounts.models import User

    first = User.objects.create(username="amina")
    User.objects.create(username="boris & <co>")

    def form(widget: type[forms.Select]) -> forms.Form:
        class F(forms.Form):
            who = forms.ModelChoiceField(queryset=User.objects.order_by("username"), widget=widget)

        return F({"who": str(first.pk)})

    assert parse_html(str(form(QuickSelect)["who"])) == parse_html(str(form(forms.Select)["who"]))


# --- QuickRenderer: the per-field templates drawn in Python -----------------------------------

_TEMPLATES = Path(forms.__file__).parent / "templates"


def test_the_input_templates_drawn_in_python_are_still_only_an_include_of_input_html() -> None:
    from haven.core.widgets import INPUT_TEMPLATES

    for name in INPUT_TEMPLATES - {"django/forms/widgets/input.html"}:
        assert (_TEMPLATES / name).read_text().strip() == (
            '{% include "django/forms/widgets/input.html" %}'
        ), name
    # And no app overrides one of them (the renderer would then draw Django's, not the app's).
    from haven.core.widgets import LABEL_TEMPLATE, TEXTAREA_TEMPLATE, QuickRenderer

    engine = QuickRenderer().engine
    for name in INPUT_TEMPLATES | {LABEL_TEMPLATE, TEXTAREA_TEMPLATE}:
        origin = Path(engine.get_template(name).origin.name)
        assert origin.is_relative_to(_TEMPLATES), (name, origin)


class Awkward(forms.Form):
    required_css_class = "req"
    name = forms.CharField(label=gettext_lazy("Name"), initial="<b>\"Tom\" & 'Jerry'</b>")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    zero = forms.CharField(widget=forms.Textarea, initial="0", required=False)
    lines = forms.CharField(widget=forms.Textarea, initial="\nfirst line\n<second>")
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), initial="p&ss")
    token = forms.CharField(widget=forms.HiddenInput, initial="abc")
    agree = forms.BooleanField(required=False, initial=True, label=mark_safe("I <em>agree</em>"))
    born = forms.DateField(initial=datetime.date(1979, 2, 28), required=False)
    count = forms.IntegerField(initial=7, label="Count?")
    mail = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"autofocus": True}))
    flags = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"disabled": False, "data-x": mark_safe("a&b"), "n": 3}),
    )
    up = forms.FileField(required=False)
    # Selects: lazy, safe and awkward labels, groups, integers, a second option with the same
    # value, a label that is a number (the template localises it: drawn by the template).
    pick = forms.ChoiceField(
        required=False,
        choices=[
            ("", gettext_lazy("Any")),
            ("x<y", 'Tom & "Jerry" <b>'),
            (1, mark_safe("<em>safe</em>")),
            (1, "again"),
            (gettext_lazy("Group"), [("a", "A"), (None, "none in a group")]),
        ],
    )
    several = forms.MultipleChoiceField(
        required=False, choices=[("a", "A"), ("b", "B"), ("c", "C")], initial=["a", "c"]
    )
    numbered = forms.TypedChoiceField(required=False, choices=[(1, 1000), (2, 2.5)], coerce=int)
    maybe = forms.NullBooleanField(required=False)


def _renders(form: forms.BaseForm, renderer: Any) -> list[str]:
    form.renderer = renderer
    out = []
    for field in form:
        out += [str(field), field.label_tag(), field.label_tag(attrs={"class": "x"}, tag="span")]
    return out


@pytest.mark.parametrize("bound", [False, True])
@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_quick_renderer_draws_exactly_what_django_draws(bound: bool, language: str) -> None:
    from django.forms.renderers import DjangoTemplates
    from django.utils import translation

    from haven.core.widgets import QuickRenderer

    data = {"name": "x\"'<>&", "note": "line\n<two>", "count": "not a number", "agree": "on"}
    data |= {"pick": "x<y", "several": ["b", "c"], "numbered": "2", "maybe": "true"}
    with translation.override(language):
        forms_ = [Awkward(data) if bound else Awkward(), Awkward(auto_id=False)]
        for form in forms_:
            assert _renders(form, QuickRenderer()) == _renders(form, DjangoTemplates())


@pytest.mark.django_db
def test_the_quick_renderer_draws_every_form_of_haven_as_django_does() -> None:
    """Every form class in haven's forms modules that can be built without arguments, unbound
    and bound to junk: byte for byte the same as Django's templates."""
    import importlib
    import pkgutil

    from django.forms.renderers import DjangoTemplates

    import haven
    from haven.core.widgets import QuickRenderer

    for module in pkgutil.walk_packages(haven.__path__, "haven."):
        if module.name.rsplit(".", 1)[-1].startswith("forms"):
            importlib.import_module(module.name)

    def subclasses(cls: type) -> set[type]:
        found = set(cls.__subclasses__())
        return found.union(*(subclasses(c) for c in found))

    compared = 0
    for cls in sorted(subclasses(forms.BaseForm), key=lambda c: c.__qualname__):
        if not cls.__module__.startswith("haven.") or ".tests" in cls.__module__:
            continue
        for args in ((), ({"text": "<x>", "q": "Исаев", "pin": "12"},)):
            try:
                form = cls(*args)
            except Exception:  # noqa: BLE001, S112 — forms that need their view's arguments
                continue
            assert _renders(form, QuickRenderer()) == _renders(form, DjangoTemplates()), cls
            compared += 1
    print(f"{compared} forms compared")
    assert compared >= 30, compared


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("value", [None, "", "DE", "RU", "XX", ["DE"]])
def test_a_language_choices_select_draws_what_django_draws(language: str, value: Any) -> None:
    from django.utils import translation

    from haven.cases.forms import _country_choices
    from haven.core.widgets import LanguageChoicesSelect

    attrs = {"id": "id_c", "aria-invalid": "true"}
    with translation.override(language):
        ours = LanguageChoicesSelect(choices_of=_country_choices).render("c", value, dict(attrs))
        django = forms.Select(choices=_country_choices()).render("c", value, dict(attrs))
    assert parse_html(ours) == parse_html(django)
    # None and "" choose the empty option, as Django's does; an unknown code chooses none.
    assert ours.count(" selected") == (0 if value == "XX" else 1)


def test_a_language_choices_select_follows_the_page_language() -> None:
    from django.utils import translation

    from haven.cases.forms import RelocationForm

    with translation.override("ru"):
        ru = str(RelocationForm(initial={"destination_country": "DE"})["destination_country"])
    with translation.override("en"):
        en = str(RelocationForm(initial={"destination_country": "DE"})["destination_country"])
    assert '<option value="DE" selected>Германия</option>' in ru
    assert '<option value="DE" selected>Germany</option>' in en

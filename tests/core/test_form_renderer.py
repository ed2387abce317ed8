"""core.form_renderer writes the plainest widgets in Python: the same HTML, character for
character, as Django's templates give, for crafted widgets and for every filter form of every
list page."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from ipcity.core.form_renderer import FormRenderer

from .pages import page_paths

DJANGO = DjangoTemplates()
OURS = FormRenderer()


class Everything(forms.Form):
    text = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": 'a"<b'}))
    marked = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"placeholder": mark_safe("a&amp;b")})
    )
    number = forms.IntegerField(required=False)
    day = forms.DateField(required=False)
    email = forms.EmailField(required=False)
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    flag = forms.BooleanField(required=False)
    maybe = forms.NullBooleanField(required=False)
    kind = forms.ChoiceField(
        required=False,
        choices=[("", "---"), ("a&b", "A & B"), ("<x>", mark_safe("<b>X</b>")), ("3", 2024)],
    )
    grouped = forms.ChoiceField(
        required=False,
        choices=[
            ("", gettext_lazy("Any")),
            ("Fruit", [("apple", "Apple"), ("pear", "Pear")]),
            ("Stone", [("flint", 'Flint "sharp"')]),
        ],
    )
    many = forms.MultipleChoiceField(
        required=False, choices=[("1", "one"), ("2", "two"), ("3", "three")]
    )


def _both(bound_field, **kwargs) -> tuple[str, str]:
    form = bound_field.form
    form.renderer = OURS
    ours = str(bound_field.as_widget(**kwargs))
    form.renderer = DJANGO
    django = str(bound_field.as_widget(**kwargs))
    return ours, django


@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "text": 'it\'s "quoted" & <tagged>',
            "number": "12",
            "day": "2024-02-29",
            "email": "x@example.com",
            "hidden": "h&i",
            "secret": "p<w",
            "flag": "on",
            "maybe": "true",
            "kind": "a&b",
            "grouped": "pear",
            "many": ["1", "3"],
        },
        {"number": "not a number", "day": "yesterday", "kind": "nope", "many": ["9"]},
    ],
)
def test_every_kind_of_widget_renders_as_django_renders_it(data):
    form = Everything(data, initial={"day": datetime.date(2024, 1, 2)})
    form.is_valid()
    for bound_field in form:
        for attrs in (None, {"class": "form-control is-invalid", "aria-invalid": "true"}):
            for extra in ({}, {"required": True, "disabled": False}):
                field_attrs = {**(attrs or {}), **extra} or None
                ours, django = _both(bound_field, attrs=field_attrs)
                assert ours == django, bound_field.name


def test_a_widget_with_a_template_of_its_own_goes_through_the_templates(monkeypatch):
    calls = []
    original = DjangoTemplates.render

    def spy(self, template_name, context, request=None):
        calls.append(template_name)
        return original(self, template_name, context, request)

    monkeypatch.setattr(DjangoTemplates, "render", spy)
    form = Everything()
    form.renderer = OURS
    str(form["text"])
    str(form["kind"])
    assert calls == []  # written in Python
    str(forms.RadioSelect(choices=[("a", "A")]).render("r", "a", renderer=OURS))
    assert calls == ["django/forms/widgets/radio.html"]


def test_every_filter_form_renders_as_django_renders_it(reader_client):
    forms_seen = 0
    for path in page_paths():
        response = reader_client.get(path)
        context = response.context if response.status_code == 200 else None
        filterset = (context or {}).get("filterset") or (context or {}).get("filter")
        if filterset is None or not hasattr(filterset, "form"):
            continue
        for bound_field in filterset.form:
            ours, django = _both(bound_field)
            assert ours == django, (path, bound_field.name)
        forms_seen += 1
    assert forms_seen >= 20, f"only {forms_seen} filter forms were found"

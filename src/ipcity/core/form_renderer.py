"""The form renderer: Django's own, with its plainest widgets written in Python.

Django renders every widget through its template engine: an input is two templates and an
include of the attributes; a select is a template, and an include of another for each option.
A list page's filter bar of a dozen fields spent about as long on them as on its table (the case
list: 13 ms a page). The inputs and selects that use Django's own templates are written here as
those templates write them, character for character (`tests/core/test_form_renderer.py` renders
every widget of every filter form both ways); anything else (another template, a project's own,
the forms themselves) still goes through the templates.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.template.defaultfilters import stringformat
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime

WIDGETS = "django/forms/widgets/"
INPUTS = frozenset(
    WIDGETS + name
    for name in (
        "input.html",
        "text.html",
        "number.html",
        "email.html",
        "url.html",
        "password.html",
        "search.html",
        "tel.html",
        "hidden.html",
        "date.html",
        "datetime.html",
        "time.html",
        "checkbox.html",
    )
)
SELECT = WIDGETS + "select.html"
OPTION = WIDGETS + "select_option.html"


def _text(value) -> str:
    """`{{ value|stringformat:'s' }}`: escaped, unless the value was marked safe (the filter
    keeps a safe value safe)."""
    text = stringformat(value, "s")
    return text if isinstance(value, SafeData) else escape(text)


def _shown(value) -> str:
    """`{{ value }}`: localized as the template shows it, escaped unless marked safe."""
    return str(conditional_escape(localize(template_localtime(value))))


def attributes(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(" " + _shown(name) + ("" if value is True else f'="{_text(value)}"'))
    return "".join(out)


def input_html(widget: dict) -> str:
    """django/forms/widgets/input.html."""
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    return (
        f'<input type="{_shown(widget["type"])}" name="{_shown(widget["name"])}"{value}'
        f"{attributes(widget['attrs'])}>"
    )


def select_html(widget: dict) -> str | None:
    """django/forms/widgets/select.html with select_option.html for each option (None when an
    option has a template of its own)."""
    parts = [f'<select name="{_shown(widget["name"])}"{attributes(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in group_choices:
            if option.get("template_name") != OPTION:
                return None
            parts.append(
                f'\n  <option value="{_text(option["value"])}"{attributes(option["attrs"])}>'
                f"{_shown(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None:
            if template_name in INPUTS and "type" in widget:
                return mark_safe(input_html(widget))
            if template_name == SELECT:
                html = select_html(widget)
                if html is not None:
                    return mark_safe(html.strip())
        return super().render(template_name, context, request=request)


def _choices_in_one_read(self):
    """`ModelChoiceIterator.__iter__`, reading the choices as one query, and that once per data
    generation (core.choice_rows). Django reads them with `iterator()`, which on PostgreSQL is a
    server-side cursor: a DECLARE, a FETCH and a CLOSE, three round trips for the score of
    streets a filter bar offers. The choices are rendered whole in any case."""
    from .choice_rows import choice_rows

    if self.field.empty_label is not None:
        yield ("", self.field.empty_label)
    for obj in choice_rows(self.queryset):
        yield self.choice(obj)


def install() -> None:
    """Every model choice field reads its choices in one query (from CoreConfig.ready)."""
    from django.forms.models import ModelChoiceIterator

    ModelChoiceIterator.__iter__ = _choices_in_one_read

"""Template helpers for the shared layout: Bootstrap form widgets and read-only field display."""

from django import forms, template
from django.db import models
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _widget_class(widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return ""
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


@register.simple_tag
def bs_widget(bound_field, size: str = ""):
    """A form field's widget with Bootstrap classes, marked invalid when it has errors."""
    widget = bound_field.field.widget
    css = _widget_class(widget)
    if css and size and css != "form-check-input":
        css += f" {css}-{size}"
    if bound_field.errors:
        css += " is-invalid"
    existing = widget.attrs.get("class", "")
    attrs = {"class": f"{existing} {css}".strip()}
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    if isinstance(widget, forms.SelectMultiple) and size:
        attrs["size"] = "2"  # compact in filter bars; the list scrolls
    return bound_field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(bound_field) -> bool:
    return isinstance(bound_field.field.widget, forms.CheckboxInput)


def display_value(obj, name: str):
    """The human form of a field's value: choice labels, related objects, yes/no, dates."""
    try:
        field = obj._meta.get_field(name)
    except Exception:
        field = None
    if field is not None and getattr(field, "choices", None):
        return getattr(obj, f"get_{name}_display")()
    value = getattr(obj, name, None)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if value is None or value == "":
        return mark_safe('<span class="text-body-secondary">—</span>')
    if isinstance(value, models.Model) and hasattr(value, "get_absolute_url"):
        try:
            return format_html('<a href="{}">{}</a>', value.get_absolute_url(), value)
        except Exception:
            return str(value)
    return localize(value)


@register.simple_tag
def field_rows(obj, *names):
    """[(label, value)] for the named fields of `obj`, labelled by the model's verbose names."""
    rows = []
    for name in names:
        try:
            label = obj._meta.get_field(name).verbose_name
        except Exception:
            label = name
        rows.append((str(label)[:1].upper() + str(label)[1:], display_value(obj, name)))
    return rows


@register.filter
def verbose_name(obj) -> str:
    return str(obj._meta.verbose_name)


@register.filter
def verbose_name_plural(obj) -> str:
    return str(obj._meta.verbose_name_plural)

"""Template helpers for the shared layout: Bootstrap form widgets and read-only field display."""

import datetime

from django import forms, template
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format, localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ..menu import menu_html

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


@register.simple_tag
def main_menu(sections):
    """The main navigation's entries (core.menu.menu_html)."""
    return menu_html(sections or [])


@register.filter
def is_checkbox(bound_field) -> bool:
    return isinstance(bound_field.field.widget, forms.CheckboxInput)


def format_datetime(value) -> str:
    """A datetime in the current time zone as "Y-m-d H:i" (dates as "Y-m-d")."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return date_format(value, "Y-m-d H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "Y-m-d")
    return str(value)


def value_choices(model, name: str) -> dict:
    """{value: label} for a field whose values (or list of values, e.g. a JSON list) come from
    choices: the field's own choices, or the model's `value_choices = {"field": choices}`."""
    try:
        field = model._meta.get_field(name)
    except Exception:
        field = None
    if field is not None and getattr(field, "choices", None):
        return dict(field.flatchoices)
    extra = getattr(model, "value_choices", None) or {}
    if name in extra:
        return dict(extra[name])
    return {}


def plain_value(value, labels: dict | None = None) -> str:
    """The text form of a stored value, for generic display (details and history)."""
    labels = labels or {}
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.date):
        return format_datetime(value)
    if isinstance(value, list | tuple):
        return "、".join(
            plain_value(v) if isinstance(v, dict | list | tuple) else str(labels.get(v, v))
            for v in value
            if v not in (None, "")
        )
    if isinstance(value, dict):
        return "；".join(f"{k}: {plain_value(v)}" for k, v in value.items())
    if labels and not isinstance(value, dict):
        try:
            return str(labels.get(value, value))
        except TypeError:
            return str(value)
    return str(value)


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
    if isinstance(value, datetime.date):
        return format_datetime(value)
    if isinstance(value, list | tuple) and value:
        return plain_value(value, value_choices(type(obj), name))
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


QUEUE_HINT_AFTER = datetime.timedelta(seconds=15)


@register.filter
def waits_long(job) -> bool:
    """True when a job has sat in the queue long enough to suspect no worker is running."""
    from ..models import JobStatus

    created = getattr(job, "created_at", None)
    return (
        getattr(job, "status", None) == JobStatus.QUEUED
        and created is not None
        and timezone.now() - created > QUEUE_HINT_AFTER
    )


@register.filter(is_safe=True)
def page_title(value) -> str:
    """The document title: "<page> · ipcity", or "ipcity" when the page names none."""
    value = str(value).strip()
    return f"{value} · ipcity" if value else "ipcity"


@register.filter
def verbose_name(obj) -> str:
    return str(obj._meta.verbose_name)


@register.filter
def verbose_name_plural(obj) -> str:
    return str(obj._meta.verbose_name_plural)


@register.simple_tag
def once_token():
    """The hidden input that makes a form submit once (core/once.py)."""
    from django.utils.html import format_html

    from ipcity.core import once

    return format_html('<input type="hidden" name="{}" value="{}">', once.FIELD, once.new_token())


@register.simple_tag(takes_context=True)
def table_html(context, table):
    """A list page's table (core.table_html): django-tables2's markup, rendered in Python."""
    from ipcity.core import table_html as renderer

    return renderer.render(table, context)

"""Shared pieces for django-filter FilterSets.

A yes/no filter's empty choice means "no restriction", so it reads "Any" rather than Django's
"Unknown". Apps declare `BooleanFilter` from here; model BooleanFields that a FilterSet builds
from `Meta.fields` get it too (the default for BooleanField is switched when core is ready).
"""

import copy

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS


class AnyBooleanSelect(forms.NullBooleanSelect):
    """Django's NullBooleanSelect (same values: unknown/true/false) with "Any" as empty choice."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", _("Any")), *list(self.choices)[1:]]


class BooleanFilter(django_filters.BooleanFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", AnyBooleanSelect)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        # `field IN (true)`, not `field = true`: Django writes the latter as the bare column
        # (`WHERE "is_high_value"`), which SQLite cannot look up in an index of that column.
        if value is None or self.lookup_expr != "exact":
            return super().filter(qs, value)
        method = qs.exclude if self.exclude else qs.filter
        return method(**{f"{self.field_name}__in": [value]})


class _OwnFields(dict):
    """The base fields of the form class django-filter makes for one filterset.

    A form copies its class's base fields (`copy.deepcopy`), since a form class is shared by
    every form of it. Here each field was made for this filterset by its own filters, copies
    of the class's, and the form class for it alone: copying them again cost about a
    millisecond of a list page. Fields of the form's own base class, which are shared, are
    copied as ever."""

    def __init__(self, fields: dict, own: set[int]):
        super().__init__(fields)
        self.own = own

    def __deepcopy__(self, memo):
        return {
            name: field if id(field) in self.own else copy.deepcopy(field, memo)
            for name, field in self.items()
        }


def _form_class_with_own_fields(get_form_class):
    def wrapper(self):
        form_class = get_form_class(self)
        if getattr(self, "_ipcity_fields_given", False):
            return form_class  # a second form of this filterset: its fields are copied
        self._ipcity_fields_given = True
        own = {id(filter_.field) for filter_ in self.filters.values()}
        form_class.base_fields = _OwnFields(form_class.base_fields, own)
        return form_class

    wrapper.__wrapped__ = get_form_class
    return wrapper


def install_defaults() -> None:
    """Make FilterSets build BooleanFields' filters with the "Any" select, and their forms
    use the fields made for them without copying them (`_OwnFields`)."""
    for field_class in (models.BooleanField, models.NullBooleanField):
        if field_class in FILTER_FOR_DBFIELD_DEFAULTS:
            FILTER_FOR_DBFIELD_DEFAULTS[field_class] = {"filter_class": BooleanFilter}
    base = django_filters.filterset.BaseFilterSet
    if not hasattr(base.get_form_class, "__wrapped__"):
        base.get_form_class = _form_class_with_own_fields(base.get_form_class)


def filtered(filterset, queryset):
    """The filterset's rows, or none when its form refuses a value: a refused filter would
    otherwise be left out, and a list or an export would hold rows the filters shown exclude.
    A filter in a FilterSet's shape without a form (the indicators' drill-down) checks its own
    parameters."""
    if getattr(filterset, "is_bound", False) and not filterset.is_valid():
        return queryset.none()
    return filterset.qs

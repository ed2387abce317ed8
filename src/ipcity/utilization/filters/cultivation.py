"""Filters of the cultivation lists, shared by the HTML lists, their exports and the API.

Parameter names are a contract other pages link to: designations take kind, level, year,
street (the enterprise's region id), organization and current; the pool takes target_kind,
stage, meets_all and year; support records kind, year and organization.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ipcity.orgs.models import Region
from ipcity.rights.attribution import STREET_KINDS

from ..choices import (
    CriterionMetric,
    DesignationKind,
    DesignationLevel,
    PoolStage,
    SupportKind,
)
from ..criteria import designation_valid_q
from ..models import (
    CultivationCriterion,
    Designation,
    EnterpriseFacts,
    PoolEntry,
    SupportRecord,
)


class OrganizationIdFilter(django_filters.NumberFilter):
    """An organization id: a number box rather than a select, since enterprises run into the
    thousands; other pages link here with it. An id outside the user's scope matches nothing."""

    def __init__(self, field_name="organization", **kwargs):
        kwargs.setdefault("label", _("Enterprise (organization id)"))
        kwargs.setdefault("widget", forms.NumberInput(attrs={"min": 1}))
        super().__init__(field_name=field_name, min_value=1, **kwargs)


def _year(field_name="year", label=None):
    return django_filters.NumberFilter(
        field_name=field_name, label=label or _("Year"), min_value=1980, max_value=2100
    )


def _street():
    return django_filters.ModelChoiceFilter(
        field_name="organization__region",
        queryset=Region.objects.filter(kind__in=STREET_KINDS).order_by("code"),
        label=_("Street or town"),
    )


def _search(queryset, value, *extra):
    value = (value or "").strip()
    if not value:
        return queryset
    q = Q(organization__name__icontains=value) | Q(organization__uscc__iexact=value)
    for name in extra:
        q |= Q(**{f"{name}__icontains": value})
    return queryset.filter(q)


class DesignationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(
        choices=DesignationKind.choices, label=_("Designation")
    )
    level = django_filters.MultipleChoiceFilter(choices=DesignationLevel.choices, label=_("Level"))
    year = _year(label=_("Year designated"))
    street = _street()
    organization = OrganizationIdFilter()
    current = django_filters.BooleanFilter(method="is_current", label=_("Valid today"))

    class Meta:
        model = Designation
        fields = ["q", "kind", "level", "year", "street", "organization", "current"]

    def search(self, queryset, name, value):
        return _search(queryset, value, "certificate_number", "source_document")

    def is_current(self, queryset, name, value):
        if value is None:
            return queryset
        q = designation_valid_q(timezone.localdate())
        return queryset.filter(q) if value else queryset.exclude(q)


class CultivationCriterionFilterSet(django_filters.FilterSet):
    target_kind = django_filters.MultipleChoiceFilter(
        choices=DesignationKind.choices, label=_("Prepares for")
    )
    target_level = django_filters.ChoiceFilter(choices=DesignationLevel.choices, label=_("Level"))
    metric = django_filters.MultipleChoiceFilter(
        choices=CriterionMetric.choices, label=_("Measure")
    )
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = CultivationCriterion
        fields = ["target_kind", "target_level", "metric", "is_active"]


class EnterpriseFactsFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    year = _year()
    street = _street()
    organization = OrganizationIdFilter()

    class Meta:
        model = EnterpriseFacts
        fields = ["q", "year", "street", "organization"]

    def search(self, queryset, name, value):
        return _search(queryset, value)


class PoolEntryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    target_kind = django_filters.MultipleChoiceFilter(
        choices=DesignationKind.choices, label=_("Prepares for")
    )
    target_level = django_filters.ChoiceFilter(choices=DesignationLevel.choices, label=_("Level"))
    stage = django_filters.MultipleChoiceFilter(choices=PoolStage.choices, label=_("Stage"))
    meets_all = django_filters.BooleanFilter(label=_("Meets every required criterion"))
    year = _year(label=_("Year entered"))
    street = _street()
    organization = OrganizationIdFilter()

    class Meta:
        model = PoolEntry
        fields = [
            "q",
            "target_kind",
            "target_level",
            "stage",
            "meets_all",
            "year",
            "street",
            "organization",
        ]

    def search(self, queryset, name, value):
        return _search(queryset, value)


class SupportRecordFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(choices=SupportKind.choices, label=_("Kind"))
    year = _year(field_name="date__year")
    street = _street()
    organization = OrganizationIdFilter()

    class Meta:
        model = SupportRecord
        fields = ["q", "kind", "year", "street", "organization"]

    def search(self, queryset, name, value):
        return _search(queryset, value, "title", "description")

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
from django_filters.fields import ModelChoiceField

from ipcity.core.filters import BooleanFilter
from ipcity.orgs.models import Organization, Region
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


class _NotOffered(int):
    """A well-formed organization id the filter does not offer (outside the user's scope, or
    without such records): it matches nothing, as a link with it always did."""


class _OrganizationField(ModelChoiceField):
    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            text = str(value).strip()
            if text.isdigit() and int(text) > 0:
                return _NotOffered(int(text))
            raise


class OrganizationFilter(django_filters.ModelChoiceFilter):
    """The enterprise a list is narrowed to, chosen by name among the organizations the user
    may view that have rows in the list's own (already scoped) queryset. The parameter stays
    the organization's id, so the links other pages make keep working; an id not offered
    matches nothing."""

    field_class = _OrganizationField

    def __init__(self, field_name="organization", **kwargs):
        kwargs.setdefault("label", _("Enterprise"))
        kwargs.setdefault("queryset", Organization.objects.none())
        super().__init__(field_name=field_name, **kwargs)

    def filter(self, qs, value):
        if isinstance(value, _NotOffered):
            return qs.none()
        return super().filter(qs, value)


def limit_organizations(filterset, name="organization", org_field="organization_id") -> None:
    """Offer in `filterset.filters[name]` the organizations the user may view that hold rows of
    the filterset's queryset (one query when the select is drawn, none per row)."""
    user = getattr(getattr(filterset, "request", None), "user", None)
    orgs = Organization.objects.all() if user is None else Organization.objects.restrict(user)
    holders = filterset.queryset.order_by().values(org_field)
    filterset.filters[name].queryset = (
        orgs.filter(pk__in=holders).only("id", "name").order_by("name", "pk")
    )


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
    organization = OrganizationFilter()
    current = BooleanFilter(method="is_current", label=_("Valid today"))

    class Meta:
        model = Designation
        fields = ["q", "kind", "level", "year", "street", "organization", "current"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_organizations(self)

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
    is_active = BooleanFilter(label=_("Active"))

    class Meta:
        model = CultivationCriterion
        fields = ["target_kind", "target_level", "metric", "is_active"]


class EnterpriseFactsFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    year = _year()
    street = _street()
    organization = OrganizationFilter()

    class Meta:
        model = EnterpriseFacts
        fields = ["q", "year", "street", "organization"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_organizations(self)

    def search(self, queryset, name, value):
        return _search(queryset, value)


class PoolEntryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    target_kind = django_filters.MultipleChoiceFilter(
        choices=DesignationKind.choices, label=_("Prepares for")
    )
    target_level = django_filters.ChoiceFilter(choices=DesignationLevel.choices, label=_("Level"))
    stage = django_filters.MultipleChoiceFilter(choices=PoolStage.choices, label=_("Stage"))
    meets_all = BooleanFilter(label=_("Meets every required criterion"))
    year = _year(label=_("Year entered"))
    street = _street()
    organization = OrganizationFilter()

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_organizations(self)

    def search(self, queryset, name, value):
        return _search(queryset, value)


class SupportRecordFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(choices=SupportKind.choices, label=_("Kind"))
    year = _year(field_name="date__year")
    street = _street()
    organization = OrganizationFilter()

    class Meta:
        model = SupportRecord
        fields = ["q", "kind", "year", "street", "organization"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_organizations(self)

    def search(self, queryset, name, value):
        return _search(queryset, value, "title", "description")

"""One definition of every organization and region filter, shared by the HTML list and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipcity.core.filters import BooleanFilter

from .choices import OrganizationKind, RegionKind
from .models import Organization, Region


class OrganizationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(choices=OrganizationKind.choices, label=_("Kind"))
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(), label=_("Region"), method="in_region"
    )
    uscc = django_filters.CharFilter(lookup_expr="iexact", label=_("USCC"))
    industry = django_filters.CharFilter(lookup_expr="startswith", label=_("Industry code"))
    parent = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.filter(kind=OrganizationKind.GOVERNMENT),
        label=_("Parent organization"),
    )
    uscc_warning = BooleanFilter(method="has_uscc_warning", label=_("USCC fails the check"))
    is_active = BooleanFilter(label=_("Active"))

    class Meta:
        model = Organization
        fields = ["q", "kind", "region", "uscc", "industry", "parent", "uscc_warning", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices themselves must not show units outside the user's scope.
        user = getattr(self.request, "user", None)
        if user is not None:
            self.filters["parent"].queryset = Organization.objects.restrict(user, "view").filter(
                kind=OrganizationKind.GOVERNMENT
            )

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(short_name__icontains=value) | Q(uscc__iexact=value)
        )

    def in_region(self, queryset, name, value):
        """A region matches itself and every region below it (a district includes its streets)."""
        if not value:
            return queryset
        return queryset.filter(Q(region=value) | Q(region__parent=value))

    def has_uscc_warning(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(uscc_warning="") if value else queryset.filter(uscc_warning="")


class RegionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(choices=RegionKind.choices, label=_("Kind"))
    parent = django_filters.ModelChoiceFilter(queryset=Region.objects.all(), label=_("Parent"))

    class Meta:
        model = Region
        fields = ["q", "kind", "parent"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))

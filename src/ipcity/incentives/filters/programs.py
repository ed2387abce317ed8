"""Programme filters, shared by the list page and the API: year, status, q."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..choices import ProgramStatus
from ..models import Program


class ProgramFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    year = django_filters.NumberFilter(label=_("Year"))
    status = django_filters.MultipleChoiceFilter(
        choices=ProgramStatus.choices, label=pgettext_lazy("programme status", "Status")
    )

    class Meta:
        model = Program
        fields = ["q", "year", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))

"""The institution directory filters, shared by the list page, its export and the API:
kind, service (offered), accepts_requests, published, region (of the organization, with the
streets under a district), q (name, credit code)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipcity.core.filters import BooleanFilter
from ipcity.orgs.models import Region

from ..choices import InstitutionKind, ServiceKind
from ..models import Institution


class InstitutionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(choices=InstitutionKind.choices, label=_("Kind"))
    service = django_filters.ChoiceFilter(
        choices=ServiceKind.choices, method="filter_service", label=_("Service offered")
    )
    accepts_requests = BooleanFilter(label=_("Accepts service requests"))
    published = BooleanFilter(label=_("Shown in the public directory"))
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(), method="filter_region", label=_("Region")
    )

    class Meta:
        model = Institution
        fields = ["q", "kind", "service", "accepts_requests", "published", "region"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["region"].queryset = Region.objects.order_by("code")

    def filter_service(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=Institution.objects.filter(services__kind=value).values("pk"))

    def filter_region(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(
            Q(organization__region=value) | Q(organization__region__parent=value)
        )

    def search(self, queryset, name, value):
        for word in (value or "").split()[:10]:
            queryset = queryset.filter(
                Q(organization__name__icontains=word)
                | Q(organization__short_name__icontains=word)
                | Q(organization__uscc__iexact=word)
            )
        return queryset

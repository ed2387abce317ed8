"""The service request filters, shared by the list page, its export and the API.

The parameter names are a contract the services overview links to: kind, status, service_point,
submitted_after, submitted_before, overdue (routed, not answered, past `response_due`), rated,
handed_over, plus q (tracking code, subject, requester).
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ipcity.core.filters import BooleanFilter

from ..choices import RequestStatus, ServiceKind
from ..models import Institution, ServiceRequest
from ..requests import overdue_q


def points():
    return Institution.objects.filter(accepts_requests=True).select_related("organization")


class ServiceRequestFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(
        choices=ServiceKind.choices, label=pgettext_lazy("service request", "Service")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=RequestStatus.choices, label=pgettext_lazy("service request", "Status")
    )
    service_point = django_filters.ModelChoiceFilter(queryset=points(), label=_("Service point"))
    submitted_after = django_filters.DateFilter(
        field_name="submitted_on", lookup_expr="gte", label=_("Submitted from")
    )
    submitted_before = django_filters.DateFilter(
        field_name="submitted_on", lookup_expr="lte", label=_("Submitted until")
    )
    overdue = BooleanFilter(
        method="filter_overdue", label=pgettext_lazy("service request deadline", "Overdue")
    )
    rated = BooleanFilter(field_name="rating", lookup_expr="isnull", exclude=True, label=_("Rated"))
    handed_over = BooleanFilter(
        field_name="lead", lookup_expr="isnull", exclude=True, label=_("Handed over")
    )

    class Meta:
        model = ServiceRequest
        fields = [
            "q",
            "kind",
            "status",
            "service_point",
            "submitted_after",
            "submitted_before",
            "overdue",
            "rated",
            "handed_over",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["service_point"].queryset = points()

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = overdue_q()
        return queryset.filter(late) if value else queryset.exclude(late)

    def search(self, queryset, name, value):
        for word in (value or "").split()[:10]:
            queryset = queryset.filter(
                Q(tracking_code__iexact=word)
                | Q(subject__icontains=word)
                | Q(requester_name__icontains=word)
                | Q(right_numbers__icontains=word)
            )
        return queryset

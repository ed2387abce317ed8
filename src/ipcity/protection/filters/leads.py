"""The lead filters, shared by the list page, its export and the API.

The parameter names are a contract other pages link to: agency, status, source, right_type,
received_after, received_before, overdue (true = still waiting for a decision and past
`decision_due`), plus q (tracking code, names, numbers).
"""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ipcity.core.filters import BooleanFilter
from ipcity.orgs.models import Organization

from ..choices import LeadSource, LeadStatus, RightType
from ..leads import PENDING_STATUSES
from ..models import Lead


def agencies():
    return Organization.objects.filter(agency__isnull=False).order_by("name")


class LeadFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    agency = django_filters.ModelChoiceFilter(queryset=agencies(), label=_("Handling agency"))
    status = django_filters.MultipleChoiceFilter(
        choices=LeadStatus.choices, label=pgettext_lazy("lead status", "Status")
    )
    source = django_filters.MultipleChoiceFilter(
        choices=LeadSource.choices, label=pgettext_lazy("lead source", "Source")
    )
    right_type = django_filters.MultipleChoiceFilter(
        choices=RightType.choices, label=_("Right type")
    )
    received_after = django_filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label=_("Received from")
    )
    received_before = django_filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label=_("Received until")
    )
    overdue = BooleanFilter(
        method="filter_overdue", label=pgettext_lazy("lead deadline", "Overdue")
    )

    class Meta:
        model = Lead
        fields = [
            "q",
            "agency",
            "status",
            "source",
            "right_type",
            "received_after",
            "received_before",
            "overdue",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["agency"].queryset = agencies()

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(status__in=PENDING_STATUSES, decision_due__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)

    def search(self, queryset, name, value):
        for word in (value or "").split()[:10]:
            queryset = queryset.filter(
                Q(tracking_code__iexact=word)
                | Q(complainant_name__icontains=word)
                | Q(respondent_name__icontains=word)
                | Q(respondent_uscc__iexact=word)
                | Q(right_numbers__icontains=word)
                | Q(source_reference__icontains=word)
            )
        return queryset

"""The transfer filters, shared by the list page, its export, the supervision figures and the API.

Contract (other pages link with these): status, police, agency, proposed_after, proposed_before,
overdue (true = past the decision or the acceptance clock). Also: clock (with overdue: only that
clock, `transfer_decision` or `police_acceptance`), outcome, q (case number or title).
"""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ipcity.core.filters import BooleanFilter
from ipcity.orgs.models import Organization

from ..choices import AgencyKind, CriminalOutcome, TransferStatus
from ..models import CriminalTransfer

CLOCKS = (
    ("transfer_decision", _("Transfer decision")),
    ("police_acceptance", _("Police acceptance")),
)


def _police(request):
    return Organization.objects.filter(agency__kind=AgencyKind.POLICE).order_by("name")


def _agencies(request):
    return (
        Organization.objects.filter(agency__isnull=False)
        .exclude(agency__kind__in=[AgencyKind.POLICE, AgencyKind.PROCURATORATE, AgencyKind.COURT])
        .order_by("name")
    )


def _date_filter(lookup, label):
    return django_filters.DateFilter(
        method=f"from_{lookup}",
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class TransferFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(choices=TransferStatus.choices, label=_("Status"))
    police = django_filters.ModelChoiceFilter(queryset=_police, label=_("Police unit"))
    agency = django_filters.ModelChoiceFilter(
        queryset=_agencies, field_name="case__agency", label=_("Agency")
    )
    proposed_after = _date_filter("after", _("Proposed on or after"))
    proposed_before = _date_filter("before", _("Proposed on or before"))
    overdue = BooleanFilter(method="past_clock", label=_("Overdue"))
    clock = django_filters.ChoiceFilter(
        choices=CLOCKS, method="keep", label=_("Clock"), empty_label=_("Any")
    )
    outcome = django_filters.ChoiceFilter(
        choices=CriminalOutcome.choices[1:], label=_("Criminal outcome"), empty_label=_("Any")
    )

    class Meta:
        model = CriminalTransfer
        fields = [
            "q",
            "status",
            "police",
            "agency",
            "proposed_after",
            "proposed_before",
            "overdue",
            "clock",
            "outcome",
        ]

    def _start(self, day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    def from_after(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(proposed_at__gte=self._start(value))

    def from_before(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(proposed_at__lt=self._start(value + datetime.timedelta(days=1)))

    def keep(self, queryset, name, value):
        return queryset  # read by past_clock

    def past_clock(self, queryset, name, value):
        from ..transfers import acceptance_overdue_q, decision_overdue_q

        if value is None:
            return queryset
        today = timezone.localdate()
        clock = self.form.cleaned_data.get("clock") if hasattr(self.form, "cleaned_data") else ""
        if clock == "transfer_decision":
            q = decision_overdue_q(today)
        elif clock == "police_acceptance":
            q = acceptance_overdue_q(today)
        else:
            q = decision_overdue_q(today) | acceptance_overdue_q(today)
        return queryset.filter(q) if value else queryset.exclude(q)

    def search(self, queryset, name, value):
        for word in (value or "").split():
            queryset = queryset.filter(
                Q(case__number__icontains=word)
                | Q(case__title__icontains=word)
                | Q(police_case_number__icontains=word)
            )
        return queryset

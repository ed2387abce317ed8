"""FilterSets of coordination, shared by the list pages, the exports and the API.

Parameter names: meetings kind, held_after, held_before, convened_by, q; supervisions open,
overdue, level, supervisor, case; campaigns status, q; mediations state (pending/concluded),
outcome, started_after, started_before, mediator, q; access log case, organization, after,
before."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ipcity.core.filters import BooleanFilter
from ipcity.orgs.models import Organization

from ..choices import CampaignStatus, MediationOutcome, MeetingKind, SupervisionLevel
from ..coordination import agency_orgs, today
from ..models import Campaign, CaseAccessLog, Mediation, Meeting, Supervision

DATE = forms.DateInput(attrs={"type": "date"})


def _date(field_name, lookup, label):
    return django_filters.DateFilter(
        field_name=field_name, lookup_expr=lookup, label=label, widget=DATE
    )


class MeetingFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=MeetingKind.choices, label=_("Kind"))
    held_after = _date("held_on", "gte", _("Held from"))
    held_before = _date("held_on", "lte", _("Held until"))
    convened_by = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.none(), label=_("Convened by")
    )

    class Meta:
        model = Meeting
        fields = ["q", "kind", "held_after", "held_before", "convened_by"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["convened_by"].queryset = agency_orgs()

    def search(self, queryset, name, value):
        for word in (value or "").split():
            queryset = queryset.filter(
                Q(title__icontains=word) | Q(summary__icontains=word) | Q(decisions__icontains=word)
            )
        return queryset


class SupervisionFilterSet(django_filters.FilterSet):
    open = BooleanFilter(method="by_open", label=pgettext_lazy("supervision state", "Open"))
    overdue = BooleanFilter(
        method="by_overdue", label=pgettext_lazy("supervision state", "Overdue")
    )
    level = django_filters.ChoiceFilter(choices=SupervisionLevel.choices, label=_("Level"))
    supervisor = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.none(), label=_("Supervising body")
    )
    case = django_filters.NumberFilter(field_name="case_id", label=_("Case id"), min_value=1)

    class Meta:
        model = Supervision
        fields = ["open", "overdue", "level", "supervisor", "case"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["supervisor"].queryset = Organization.objects.filter(
            pk__in=self.queryset.order_by().values("supervisor_id")
        ).order_by("name")

    def by_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(concluded_on__isnull=value)

    def by_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        q = Q(concluded_on__isnull=True, due_on__lt=today())
        return queryset.filter(q) if value else queryset.exclude(q)


class CampaignFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(choices=CampaignStatus.choices, label=_("Status"))

    class Meta:
        model = Campaign
        fields = ["q", "status"]

    def search(self, queryset, name, value):
        for word in (value or "").split():
            queryset = queryset.filter(
                Q(name__icontains=word)
                | Q(targets__icontains=word)
                | Q(key_industries__icontains=word)
            )
        return queryset


class MediationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    state = django_filters.ChoiceFilter(
        method="by_state",
        choices=[
            ("pending", _("In progress")),
            ("concluded", pgettext_lazy("mediation state", "Concluded")),
        ],
        label=pgettext_lazy("mediation state", "State"),
    )
    outcome = django_filters.ChoiceFilter(
        choices=[(c.value, c.label) for c in MediationOutcome if c.value], label=_("Outcome")
    )
    started_after = _date("started_on", "gte", _("Started from"))
    started_before = _date("started_on", "lte", _("Started until"))
    mediator = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.none(), label=_("Mediator")
    )

    class Meta:
        model = Mediation
        fields = ["q", "state", "outcome", "started_after", "started_before", "mediator"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["mediator"].queryset = Organization.objects.filter(
            pk__in=self.queryset.order_by().values("mediator_id")
        ).order_by("name")

    def by_state(self, queryset, name, value):
        if value == "pending":
            return queryset.filter(outcome="")
        if value == "concluded":
            return queryset.exclude(outcome="")
        return queryset

    def search(self, queryset, name, value):
        for word in (value or "").split():
            queryset = queryset.filter(
                Q(applicant__icontains=word)
                | Q(respondent__icontains=word)
                | Q(subject__icontains=word)
            )
        return queryset


class AccessLogFilterSet(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case_id", label=_("Case id"), min_value=1)
    organization = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.none(), label=_("Viewing organization")
    )
    after = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label=_("From"), widget=DATE
    )
    before = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label=_("Until"), widget=DATE
    )

    class Meta:
        model = CaseAccessLog
        fields = ["case", "organization", "after", "before"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["organization"].queryset = agency_orgs()

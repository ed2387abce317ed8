"""Filters of the agency and officer lists, shared by the pages, their exports and the API.

Officer list parameters (a contract other pages link to): q, organization, status,
certified_on (a day), certified (today), expiring_within (days), expired."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipcity.core.filters import BooleanFilter
from ipcity.orgs.models import Organization

from .. import officers
from ..choices import AgencyKind, OfficerStatus
from ..models import Agency, Officer


class AgencyFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(choices=AgencyKind.choices, label=_("Kind"))
    is_joint_member = BooleanFilter(label=_("Joint enforcement member"))
    accepts_public_leads = BooleanFilter(label=_("Listed on the public complaint form"))

    class Meta:
        model = Agency
        fields = ["q", "kind", "is_joint_member", "accepts_public_leads"]

    def search(self, queryset, name, value):
        value = " ".join((value or "").split())
        if not value:
            return queryset
        return queryset.filter(
            Q(organization__name__icontains=value)
            | Q(organization__short_name__icontains=value)
            | Q(case_prefix__icontains=value)
        )


class OfficerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    organization = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.none(), label=_("Agency")
    )
    status = django_filters.MultipleChoiceFilter(choices=OfficerStatus.choices, label=_("Status"))
    certified_on = django_filters.DateFilter(
        method="by_certified_on",
        label=_("Certified on"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    certified = BooleanFilter(method="by_certified", label=_("Certified today"))
    expiring_within = django_filters.NumberFilter(
        method="by_expiring_within",
        label=_("Expiring within (days)"),
        min_value=0,
        max_value=3650,
    )
    expired = BooleanFilter(method="by_expired", label=_("Expired"))

    class Meta:
        model = Officer
        fields = [
            "q",
            "organization",
            "status",
            "certified_on",
            "certified",
            "expiring_within",
            "expired",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The agencies holding officers the reader sees (one query when the select is drawn).
        holders = self.queryset.order_by().values("organization_id")
        self.filters["organization"].queryset = (
            Organization.objects.filter(pk__in=holders).only("id", "name").order_by("name", "pk")
        )

    def search(self, queryset, name, value):
        value = " ".join((value or "").split())
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(certificate_number__icontains=value)
            | Q(organization__name__icontains=value)
        )

    def by_certified_on(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(officers.certified_q(value))

    def by_certified(self, queryset, name, value):
        if value is None:
            return queryset
        q = officers.certified_q(officers.current_date())
        return queryset.filter(q) if value else queryset.exclude(q)

    def by_expiring_within(self, queryset, name, value):
        if value is None:
            return queryset
        on = officers.current_date()
        return queryset.filter(officers.expiring_q(on, on + timedelta(days=int(value))))

    def by_expired(self, queryset, name, value):
        if value is None:
            return queryset
        q = officers.expired_q(officers.current_date())
        return queryset.filter(q) if value else queryset.exclude(q)

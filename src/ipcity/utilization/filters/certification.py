"""The certificate list's filters, shared by the page, its export, the statistics' links and the
API. The parameter names are a contract other pages link to: standard_version, status,
issue_year, valid_at_end_of, valid_on, street, organization, transition_overdue,
expiring_within, q."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipcity.core.filters import BooleanFilter
from ipcity.orgs.models import Region

from .. import certificates
from ..choices import CertificateStatus, StandardVersion
from ..models import Certificate
from .cultivation import OrganizationFilter, limit_organizations


class CertificateFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    standard_version = django_filters.MultipleChoiceFilter(
        choices=StandardVersion.choices,
        method="by_version",
        label=_("Standard version"),
        help_text=_(
            "With a validity date, the edition held on that day (a converted certificate was "
            "2013 before its conversion)."
        ),
    )
    status = django_filters.MultipleChoiceFilter(
        choices=CertificateStatus.choices, label=_("Status")
    )
    issue_year = django_filters.NumberFilter(
        field_name="issue_date",
        lookup_expr="year",
        label=_("Issued in"),
        min_value=1990,
        max_value=2100,
    )
    valid_at_end_of = django_filters.NumberFilter(
        method="by_valid_at_end_of",
        label=_("Valid on 31 Dec of"),
        min_value=1990,
        max_value=2100,
    )
    valid_on = django_filters.DateFilter(
        method="by_valid_on",
        label=_("Valid on"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    street = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(),
        field_name="organization__region",
        null_label=_("No street recorded"),
        null_value="null",
        label=_("Street or town"),
    )
    organization = OrganizationFilter()
    transition_overdue = BooleanFilter(
        method="by_transition_overdue", label=_("Transition overdue")
    )
    expiring_within = django_filters.NumberFilter(
        method="by_expiring_within",
        label=_("Expiring within (days)"),
        min_value=0,
        max_value=3650,
    )

    class Meta:
        model = Certificate
        fields = [
            "q",
            "standard_version",
            "status",
            "issue_year",
            "valid_at_end_of",
            "valid_on",
            "street",
            "organization",
            "transition_overdue",
            "expiring_within",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._editions = None
        limit_organizations(self)
        self.filters["street"].queryset = Region.objects.only("id", "name", "code").order_by("code")

    @property
    def editions(self) -> dict:
        if self._editions is None:
            self._editions = certificates.editions()
        return self._editions

    def reference_date(self):
        """The day the edition is judged on: the validity date asked for, if any."""
        data = getattr(self.form, "cleaned_data", {})
        if data.get("valid_on"):
            return data["valid_on"]
        if data.get("valid_at_end_of"):
            return certificates.year_end(int(data["valid_at_end_of"]))
        return None

    def search(self, queryset, name, value):
        value = " ".join((value or "").split())
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(organization__name__icontains=value)
            | Q(organization__uscc__iexact=value)
            | Q(body_name__icontains=value)
        )

    def by_version(self, queryset, name, value):
        if not value:
            return queryset
        on = self.reference_date()
        q = Q(pk__in=[])
        for version in value:
            q |= certificates.edition_q(version, on)
        return queryset.filter(q)

    def by_valid_at_end_of(self, queryset, name, value):
        if value is None:
            return queryset
        end = certificates.year_end(int(value))
        return queryset.filter(certificates._valid_q(end, "", self.editions))

    def by_valid_on(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(certificates._valid_q(value, "", self.editions))

    def by_transition_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        q = certificates._overdue_q(certificates.current_date(), self.editions)
        return queryset.filter(q) if value else queryset.exclude(q)

    def by_expiring_within(self, queryset, name, value):
        if value is None:
            return queryset
        on = certificates.current_date()
        return queryset.filter(
            certificates._valid_q(on, "", self.editions),
            expiry_date__lte=on + timedelta(days=int(value)),
        )

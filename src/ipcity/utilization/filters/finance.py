"""Finance list filters, shared by the HTML lists, their exports and the API.

The parameter names are a contract other pages link to: pledges take registration_year, status,
pledgor, pledgee, party (pledgor or pledgee), street (the pledgor's region), patent (an
application number) and inclusive; insurance policies start_year, kind, insurer, insured, party
(insured or insurer); valuations year, method; guarantees start_year, guarantor, borrower; risk
alerts kind, status, pledge, party (the pledge's pledgor or pledgee). Organizations are given by
id.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipcity.core.filters import BooleanFilter
from ipcity.orgs.models import Region

from ..choices import (
    InsuranceKind,
    PledgeStatus,
    ProductKind,
    RiskKind,
    RiskStatus,
    ValuationMethod,
)
from ..forms.finance import normalize_application_number
from ..models import FinancialProduct, Guarantee, InsurancePolicy, Pledge, RiskAlert, Valuation
from ..models.finance import INCLUSIVE_MAX


class OrgIdFilter(django_filters.NumberFilter):
    """An organization id. A number box rather than a select: parties run into thousands, and a
    list of them would show a bank every enterprise's name."""

    def __init__(self, field_name, **kwargs):
        kwargs.setdefault("widget", forms.NumberInput(attrs={"min": 1}))
        super().__init__(field_name=field_name, min_value=1, **kwargs)


def _party(*paths):
    """An organization id matched on any of `paths` (the parties of a record)."""

    def method(queryset, name, value):
        if value is None:
            return queryset
        q = Q()
        for path in paths:
            q |= Q(**{path: value})
        return queryset.filter(q)

    return OrgIdFilter(None, method=method, label=_("Party (organization id)"))


def _year(field_name, label):
    return django_filters.NumberFilter(
        field_name=field_name, lookup_expr="year", label=label, min_value=1985, max_value=2100
    )


class FinancialProductFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(choices=ProductKind.choices, label=_("Kind"))
    institution = OrgIdFilter("institution", label=_("Institution (organization id)"))
    active = BooleanFilter(field_name="is_active", label=_("Offered now"))

    class Meta:
        model = FinancialProduct
        fields = ["q", "kind", "institution", "active"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(description__icontains=value)
            | Q(institution__name__icontains=value)
        )


class ValuationFilterSet(django_filters.FilterSet):
    year = _year("date", _("Valuation year"))
    method = django_filters.MultipleChoiceFilter(
        choices=ValuationMethod.choices, label=_("Valuation method")
    )
    owner = OrgIdFilter("owner", label=_("Rights holder (organization id)"))

    class Meta:
        model = Valuation
        fields = ["year", "method", "owner"]


class PledgeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    registration_year = _year("registration_date", _("Registration year"))
    status = django_filters.MultipleChoiceFilter(choices=PledgeStatus.choices, label=_("Status"))
    pledgor = OrgIdFilter("pledgor", label=_("Pledgor (organization id)"))
    pledgee = OrgIdFilter("pledgee", label=_("Pledgee (organization id)"))
    party = _party("pledgor", "pledgee")
    street = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(), method="in_street", label=_("Pledgor's street or town")
    )
    patent = django_filters.CharFilter(method="with_patent", label=_("Patent application number"))
    inclusive = BooleanFilter(method="is_inclusive", label=_("Inclusive lending"))

    class Meta:
        model = Pledge
        fields = [
            "q",
            "registration_year",
            "status",
            "pledgor",
            "pledgee",
            "party",
            "street",
            "patent",
            "inclusive",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(registration_number__icontains=value)
            | Q(contract_number__icontains=value)
            | Q(pledgor__name__icontains=value)
            | Q(pledgee__name__icontains=value)
        )

    def in_street(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Q(pledgor__region=value) | Q(pledgor__region__parent=value))

    def with_patent(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        number = normalize_application_number(value)
        if number is None:
            return queryset.none()
        ids = Pledge.patents.through.objects.filter(patent__application_number=number).values(
            "pledge_id"
        )
        return queryset.filter(pk__in=ids)

    def is_inclusive(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(amount__lte=INCLUSIVE_MAX)
        return queryset.filter(amount__gt=INCLUSIVE_MAX)


class InsurancePolicyFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="policy_number", lookup_expr="icontains", label=_("Policy number")
    )
    start_year = _year("start_date", _("Start year"))
    kind = django_filters.MultipleChoiceFilter(choices=InsuranceKind.choices, label=_("Kind"))
    insurer = OrgIdFilter("insurer", label=_("Insurer (organization id)"))
    insured = OrgIdFilter("insured", label=_("Insured (organization id)"))
    party = _party("insured", "insurer")

    class Meta:
        model = InsurancePolicy
        fields = ["q", "start_year", "kind", "insurer", "insured", "party"]


class GuaranteeFilterSet(django_filters.FilterSet):
    start_year = _year("start_date", _("Start year"))
    guarantor = OrgIdFilter("guarantor", label=_("Guarantor (organization id)"))
    borrower = OrgIdFilter("borrower", label=_("Borrower (organization id)"))
    lender = OrgIdFilter("lender", label=_("Lender (organization id)"))

    class Meta:
        model = Guarantee
        fields = ["start_year", "guarantor", "borrower", "lender"]


class RiskAlertFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=RiskKind.choices, label=_("Risk"))
    status = django_filters.MultipleChoiceFilter(choices=RiskStatus.choices, label=_("Status"))
    pledge = django_filters.NumberFilter(
        field_name="pledge", min_value=1, label=_("Pledge (id)"), widget=forms.NumberInput()
    )
    party = _party("pledge__pledgor", "pledge__pledgee")

    class Meta:
        model = RiskAlert
        fields = ["kind", "status", "pledge", "party"]

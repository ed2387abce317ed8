"""The transaction filters, shared by the list page, its export and the API.

The parameter names are a contract other pages link to: year, kind, origin, from_university,
from_outside, party (organization id on either side), patent (application number), q; plus
year_min/year_max (the statistics page's totals) and trademark.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipcity.core.filters import BooleanFilter

from ..choices import TransactionKind, TransactionOrigin
from ..deals import normalize_patent_number
from ..models import Transaction


def _year(label, lookup="exact"):
    return django_filters.NumberFilter(
        field_name="year", lookup_expr=lookup, label=label, min_value=1985, max_value=2100
    )


class TransactionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    year = _year(_("Year"))
    year_min = _year(_("From year"), "gte")
    year_max = _year(_("To year"), "lte")
    kind = django_filters.MultipleChoiceFilter(choices=TransactionKind.choices, label=_("Kind"))
    origin = django_filters.MultipleChoiceFilter(
        choices=TransactionOrigin.choices, label=_("Origin")
    )
    from_university = BooleanFilter(label=_("University or institute to district enterprise"))
    from_outside = BooleanFilter(label=_("Acquired from outside the district"))
    party = django_filters.NumberFilter(
        method="either_party",
        label=_("Party (organization id)"),
        min_value=1,
        widget=forms.NumberInput(attrs={"min": 1}),
    )
    patent = django_filters.CharFilter(method="with_patent", label=_("Patent (application number)"))
    trademark = django_filters.CharFilter(
        method="with_trademark", label=_("Trademark (registration number)")
    )

    class Meta:
        model = Transaction
        fields = [
            "q",
            "year",
            "year_min",
            "year_max",
            "kind",
            "origin",
            "from_university",
            "from_outside",
            "party",
            "patent",
            "trademark",
        ]

    def either_party(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(Q(assignor_id=value) | Q(assignee_id=value))

    def with_patent(self, queryset, name, value):
        text = "".join((value or "").split())
        if not text:
            return queryset
        normalized = normalize_patent_number(text)
        if normalized is not None:
            match = Q(patents__application_number=normalized)
        else:
            match = Q(patents__application_number__startswith=text.upper().removeprefix("ZL"))
        return queryset.filter(pk__in=Transaction.objects.filter(match).values("pk"))

    def with_trademark(self, queryset, name, value):
        text = (value or "").strip()
        if not text:
            return queryset
        return queryset.filter(
            pk__in=Transaction.objects.filter(trademarks__registration_number=text).values("pk")
        )

    def search(self, queryset, name, value):
        words = (value or "").split()
        for word in words:
            number = normalize_patent_number(word)
            match = (
                Q(assignor_name__icontains=word)
                | Q(assignee_name__icontains=word)
                | Q(registration_number__icontains=word)
                | Q(notes__icontains=word)
                | Q(patents__title__icontains=word)
                | Q(patents__application_number__startswith=word)
                | Q(trademarks__registration_number=word)
                | Q(trademarks__mark__icontains=word)
            )
            if number:
                match |= Q(patents__application_number=number)
            queryset = queryset.filter(pk__in=Transaction.objects.filter(match).values("pk"))
        return queryset

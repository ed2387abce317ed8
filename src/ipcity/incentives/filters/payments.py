"""Filters of the payment list (page, export and API). The overview links here with
`program`, `applicant` and `year` (the programme's year)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipcity.orgs.models import Organization

from ..models import Payment
from .review import programs_for


def applicants_for(request):
    user = getattr(request, "user", None)
    if user is None:
        return Organization.objects.none()
    from ..models import Application

    ids = Application.objects.restrict(user, "view").values("applicant")
    return Organization.objects.filter(pk__in=ids).order_by("name")


class PaymentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    program = django_filters.ModelChoiceFilter(
        field_name="application__program", queryset=programs_for, label=_("Program")
    )
    applicant = django_filters.ModelChoiceFilter(
        field_name="application__applicant", queryset=applicants_for, label=_("Applicant")
    )
    year = django_filters.NumberFilter(field_name="application__program__year", label=_("Year"))
    paid_after = django_filters.DateFilter(
        field_name="paid_on", lookup_expr="gte", label=_("Paid from")
    )
    paid_before = django_filters.DateFilter(
        field_name="paid_on", lookup_expr="lte", label=_("Paid until")
    )

    class Meta:
        model = Payment
        fields = ["q", "program", "applicant", "year", "paid_after", "paid_before"]

    def search(self, queryset, name, value):
        for word in (value or "").split()[:10]:
            queryset = queryset.filter(
                Q(voucher_number__icontains=word)
                | Q(application__number__iexact=word)
                | Q(application__applicant__name__icontains=word)
            )
        return queryset

"""Application filters, shared by the list page and the API: program, status, applicant,
year, q (number or applicant name)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ipcity.orgs.models import Organization

from ..choices import ApplicationStatus
from ..models import Application, Program


class ApplicationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    program = django_filters.ModelChoiceFilter(
        queryset=Program.objects.none(), label=_("Programme")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=ApplicationStatus.choices,
        label=pgettext_lazy("application status", "Status"),
    )
    applicant = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.none(), label=_("Applicant")
    )
    year = django_filters.NumberFilter(field_name="program__year", label=_("Year"))

    class Meta:
        model = Application
        fields = ["q", "program", "status", "applicant", "year"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["program"].queryset = Program.objects.restrict(user, "view").order_by(
                "-year", "name"
            )
            self.filters["applicant"].queryset = Organization.objects.filter(
                pk__in=Application.objects.restrict(user, "view").values("applicant_id")
            ).order_by("name")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(applicant__name__icontains=value))

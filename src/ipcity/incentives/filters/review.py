"""Filters of the review queue: programme and stage (page and API)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from ..choices import ReviewStage
from ..models import Application, Program
from ..review import WAITING


def programs_for(request):
    user = getattr(request, "user", None)
    if user is None:
        return Program.objects.none()
    return Program.objects.restrict(user, "view").order_by("-year", "name")


class ReviewQueueFilterSet(django_filters.FilterSet):
    program = django_filters.ModelChoiceFilter(queryset=programs_for, label=_("Program"))
    stage = django_filters.ChoiceFilter(
        choices=ReviewStage.choices, method="filter_stage", label=_("Stage")
    )

    class Meta:
        model = Application
        fields = ["program", "stage"]

    def filter_stage(self, queryset, name, value):
        return queryset.filter(status=WAITING[value]) if value else queryset

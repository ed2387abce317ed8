"""Filters of the notice list (page and API): program, status, year."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..choices import NoticeStatus
from ..models import PublicNotice
from .review import programs_for


class NoticeFilterSet(django_filters.FilterSet):
    program = django_filters.ModelChoiceFilter(queryset=programs_for, label=_("Program"))
    status = django_filters.ChoiceFilter(
        choices=NoticeStatus.choices, label=pgettext_lazy("notice status", "Status")
    )
    year = django_filters.NumberFilter(field_name="program__year", label=_("Year"))

    class Meta:
        model = PublicNotice
        fields = ["program", "status", "year"]

"""The notice filters, shared by the staff list page and the API (`NoticeFilterSet`), and the
smaller set the public list offers (`PublicNoticeFilterSet`: kind and a title search).

Parameter names: q (title, document number), kind, publisher, state (draft, scheduled,
published), published_after, published_before.
"""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ipcity.orgs.models import Organization

from ..choices import NoticeKind
from ..models import Notice

MAX_WORDS = 10

STATE_CHOICES = [
    ("draft", _("Draft")),
    ("scheduled", _("Scheduled")),
    ("published", pgettext_lazy("notice state", "Published")),
]


def _search(queryset, value, fields=("title",)):
    for word in (value or "").split()[:MAX_WORDS]:
        q = Q()
        for field in fields:
            q |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(q)
    return queryset


def publishers():
    return Organization.objects.filter(notices__isnull=False).distinct().order_by("name")


class NoticeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(
        choices=NoticeKind.choices, label=pgettext_lazy("notice kind", "Kind")
    )
    publisher = django_filters.ModelChoiceFilter(queryset=publishers(), label=_("Publisher"))
    state = django_filters.ChoiceFilter(
        choices=STATE_CHOICES, method="filter_state", label=pgettext_lazy("notice", "State")
    )
    published_after = django_filters.DateFilter(
        field_name="published_on", lookup_expr="gte", label=_("Published from")
    )
    published_before = django_filters.DateFilter(
        field_name="published_on", lookup_expr="lte", label=_("Published until")
    )

    class Meta:
        model = Notice
        fields = ["q", "kind", "publisher", "state", "published_after", "published_before"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["publisher"].queryset = publishers()

    def search(self, queryset, name, value):
        return _search(queryset, value, ("title", "document_number"))

    def filter_state(self, queryset, name, value):
        today = timezone.localdate()
        if value == "draft":
            return queryset.filter(published_on__isnull=True)
        if value == "scheduled":
            return queryset.filter(published_on__gt=today)
        if value == "published":
            return queryset.filter(published_on__lte=today)
        return queryset


class PublicNoticeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search titles"))
    kind = django_filters.ChoiceFilter(
        choices=NoticeKind.choices,
        label=pgettext_lazy("notice kind", "Kind"),
        empty_label=_("All kinds"),
    )

    class Meta:
        model = Notice
        fields = ["q", "kind"]

    def search(self, queryset, name, value):
        return _search(queryset, value)

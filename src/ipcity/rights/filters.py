"""One definition of every registry filter, shared by the HTML lists, their exports and the API."""

import re

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipcity.core.filters import BooleanFilter
from ipcity.orgs.models import Organization, Region

from . import search_index
from .choices import (
    Attribution,
    CopyrightKind,
    GIKind,
    GIStage,
    PatentStatus,
    PatentType,
    PlantVarietyStatus,
    TrademarkStatus,
)
from .models import (
    Copyright,
    GeographicalIndication,
    Patent,
    PlantVarietyRight,
    SoftwareLegalizationCheck,
    Trademark,
)
from .search import search_filter


def _in_region(queryset, name, value):
    """A region matches itself and the regions below it (a district includes its streets).

    The regions are listed first (a handful of ids), so the rows are found through the index of
    the region column rather than by joining every row to its region.
    """
    if not value:
        return queryset
    ids = [value.pk, *Region.objects.filter(parent=value).values_list("pk", flat=True)]
    return queryset.filter(**{f"{name}__in": ids})


class _HolderFilter(django_filters.NumberFilter):
    """An organization id. A number box rather than a select: holders run into thousands."""

    def __init__(self, field_name="holder", **kwargs):
        kwargs.setdefault("label", _("Holder (organization id)"))
        kwargs.setdefault("widget", forms.NumberInput(attrs={"min": 1}))
        super().__init__(field_name=field_name, min_value=1, **kwargs)


class PatentFilterSet(django_filters.FilterSet):
    # The choice filters test the patent's own columns, and no filter here can repeat a patent
    # (one link per patent and holder), so none asks for DISTINCT (django-filter's default for
    # multiple choices): over every column of the wide rows it made the page's query and its
    # count several times slower.
    q = django_filters.CharFilter(method="search", label=_("Search"))
    patent_type = django_filters.MultipleChoiceFilter(
        choices=PatentType.choices, label=_("Patent type"), distinct=False
    )
    legal_status = django_filters.MultipleChoiceFilter(
        choices=PatentStatus.choices, label=_("Legal status"), distinct=False
    )
    year = django_filters.NumberFilter(
        field_name="filing_date",
        lookup_expr="year",
        label=_("Filing year"),
        min_value=1985,
        max_value=2100,
    )
    ipc = django_filters.CharFilter(method="ipc_prefix", label=_("IPC prefix"))
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(), method="in_region", label=_("Street or town")
    )
    high_value = BooleanFilter(field_name="is_high_value", label=_("High-value"))
    attribution = django_filters.MultipleChoiceFilter(
        choices=Attribution.choices, label=_("Attribution"), distinct=False
    )
    holder = _HolderFilter(field_name="holder_links__organization")

    class Meta:
        model = Patent
        fields = [
            "q",
            "patent_type",
            "legal_status",
            "year",
            "ipc",
            "region",
            "high_value",
            "attribution",
            "holder",
        ]

    def filter_queryset(self, queryset):
        if self._never_high_value():
            return queryset.none()
        return super().filter_queryset(queryset)

    def _never_high_value(self) -> bool:
        """High-value patents asked for beside a type or status that none of them has.

        Only a valid invention patent can be high-value (DOMAIN §2; rights.highvalue clears the
        flag of any other on every change), so such a list is empty by definition. Answered at
        once: the database would otherwise estimate the two filters as independent and read
        every high-value patent to find none (about 90,000 rows at 1,000,000 patents,
        80-200 ms a page)."""
        data = self.form.cleaned_data
        if data.get("high_value") is not True:
            return False
        types, statuses = data.get("patent_type"), data.get("legal_status")
        return bool(types and PatentType.INVENTION not in types) or bool(
            statuses and PatentStatus.VALID not in statuses
        )

    def search(self, queryset, name, value):
        return search_filter(queryset, value)

    def ipc_prefix(self, queryset, name, value):
        # Codes are stored as "G06K9/62;G06N3/08": a prefix matches at the start or after a ';'.
        value = "".join((value or "").split()).upper()
        if not value:
            return queryset
        queryset = queryset.filter(
            Q(main_ipc__istartswith=value)
            | Q(ipc_codes__istartswith=value)
            | Q(ipc_codes__icontains=f";{value}")
            | Q(ipc_codes__icontains=f"; {value}")
        )
        # The conditions above read every row; the search index holds each code's letters and
        # digits up to the '/' as a term ("G06K9/62" → "g06k9"), so a prefix search on that run
        # finds the candidates at once and the conditions only confirm them.
        run = re.match(r"[A-Z0-9]+", value)
        if run and search_index.indexed(queryset.model):
            queryset = search_index.search(
                queryset, [run.group(0)], confirm=("main_ipc", "ipc_codes")
            )
        return queryset

    def in_region(self, queryset, name, value):
        return _in_region(queryset, "region", value)


class TrademarkFilterSet(django_filters.FilterSet):
    # As for patents: the choice filters test the mark's own columns, so no DISTINCT.
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(
        choices=TrademarkStatus.choices, label=_("Status"), distinct=False
    )
    nice_class = django_filters.NumberFilter(
        method="in_class", label=_("Nice class"), min_value=1, max_value=45
    )
    well_known = BooleanFilter(field_name="is_well_known", label=_("Well-known"))
    madrid = BooleanFilter(field_name="is_madrid", label=_("Madrid"))
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(), method="in_region", label=_("Street or town")
    )
    attribution = django_filters.MultipleChoiceFilter(
        choices=Attribution.choices, label=_("Attribution"), distinct=False
    )
    holder = _HolderFilter()

    class Meta:
        model = Trademark
        fields = [
            "q",
            "status",
            "nice_class",
            "well_known",
            "madrid",
            "region",
            "attribution",
            "holder",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(mark__icontains=value)
            | Q(registration_number__startswith=value)
            | Q(holder__name__icontains=value)
        )

    def in_class(self, queryset, name, value):
        if value is None:
            return queryset
        # Classes are stored normalized as "9;35;42".
        code = str(int(value))
        return queryset.filter(
            Q(nice_classes=code)
            | Q(nice_classes__startswith=f"{code};")
            | Q(nice_classes__endswith=f";{code}")
            | Q(nice_classes__contains=f";{code};")
        )

    def in_region(self, queryset, name, value):
        return _in_region(queryset, "region", value)


class GeographicalIndicationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(choices=GIKind.choices, label=_("Kind"))
    stage = django_filters.MultipleChoiceFilter(choices=GIStage.choices, label=_("Stage"))
    holder = _HolderFilter(field_name="applicant", label=_("Applicant (organization id)"))

    class Meta:
        model = GeographicalIndication
        fields = ["q", "kind", "stage", "holder"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(product__icontains=value) | Q(area__icontains=value)
        )


class PlantVarietyRightFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(
        choices=PlantVarietyStatus.choices, label=_("Status")
    )
    species = django_filters.CharFilter(lookup_expr="icontains", label=_("Species"))
    holder = _HolderFilter()

    class Meta:
        model = PlantVarietyRight
        fields = ["q", "status", "species", "holder"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(variety__icontains=value)
            | Q(right_number__icontains=value)
            | Q(holder__name__icontains=value)
        )


class CopyrightFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(choices=CopyrightKind.choices, label=_("Kind"))
    year = django_filters.NumberFilter(
        field_name="registration_date",
        lookup_expr="year",
        label=_("Registration year"),
        min_value=1900,
        max_value=2100,
    )
    holder = _HolderFilter()

    class Meta:
        model = Copyright
        fields = ["q", "kind", "year", "holder"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(registration_number__icontains=value)
            | Q(holder__name__icontains=value)
        )


class SoftwareLegalizationCheckFilterSet(django_filters.FilterSet):
    organization = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.all(), label=_("Unit checked")
    )
    year = django_filters.NumberFilter(
        field_name="check_date",
        lookup_expr="year",
        label=_("Check year"),
        min_value=1990,
        max_value=2100,
    )
    unrectified = BooleanFilter(method="is_unrectified", label=_("Findings not yet rectified"))

    class Meta:
        model = SoftwareLegalizationCheck
        fields = ["organization", "year", "unrectified"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if user is not None:
            self.filters["organization"].queryset = Organization.objects.restrict(
                user, "view"
            ).only("id", "name")

    def is_unrectified(self, queryset, name, value):
        if value is None:
            return queryset
        pending = Q(rectified_on__isnull=True) & ~Q(findings="")
        return queryset.filter(pending) if value else queryset.exclude(pending)

"""Filters of the event, course, attendance and talent lists, shared by the pages, their exports
and the API. The parameter names are a contract the overview links to: events `kind`,
`channel`, `year`, `organizer`, `published`; courses `year`, `organizer`; attendances `course`,
`organization`, `year` (also `course__year`), `passed`, `certified`; talent `kind`,
`organization`, `active`, `has_certificate`, `trained_in`."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipcity.core.filters import BooleanFilter
from ipcity.orgs.models import Organization

from ..choices import Channel, EventKind, TalentKind
from ..models import Attendance, Course, Event, Talent


def _year(field_name: str, label=None):
    return django_filters.NumberFilter(
        field_name=field_name,
        lookup_expr="year",
        label=label or _("Year"),
        min_value=1990,
        max_value=2100,
    )


class OrganizationChoice(django_filters.ModelChoiceFilter):
    """An organization among those holding rows of the (already scoped) list; the parameter is
    the organization's id, so links keep working."""

    def __init__(self, field_name="organization", **kwargs):
        kwargs.setdefault("label", _("Organization"))
        kwargs.setdefault("queryset", Organization.objects.none())
        super().__init__(field_name=field_name, **kwargs)


def limit_organizations(filterset, name: str, org_field: str) -> None:
    """Offer in `filterset.filters[name]` the organizations holding rows of the filterset's
    queryset (one query when the select is drawn)."""
    holders = filterset.queryset.order_by().values(org_field)
    filterset.filters[name].queryset = (
        Organization.objects.filter(pk__in=holders).only("id", "name").order_by("name", "pk")
    )


def _search(queryset, value, *fields):
    value = " ".join((value or "").split())
    if not value:
        return queryset
    q = Q()
    for field in fields:
        q |= Q(**{f"{field}__icontains": value})
    return queryset.filter(q)


class EventFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(choices=EventKind.choices, label=_("Kind"))
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, label=_("Channel"))
    year = _year("starts_on")
    organizer = OrganizationChoice("organizer", label=_("Organizer"))
    published = BooleanFilter(label=_("On the public calendar"))

    class Meta:
        model = Event
        fields = ["q", "kind", "channel", "year", "organizer", "published"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_organizations(self, "organizer", "organizer_id")

    def search(self, queryset, name, value):
        return _search(queryset, value, "title", "place", "audience", "organizer__name")


class CourseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    year = _year("starts_on")
    organizer = OrganizationChoice("organizer", label=_("Organizer"))
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, label=_("Channel"))
    issues_certificates = BooleanFilter(label=_("Issues certificates"))

    class Meta:
        model = Course
        fields = ["q", "year", "organizer", "channel", "issues_certificates"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_organizations(self, "organizer", "organizer_id")

    def search(self, queryset, name, value):
        return _search(queryset, value, "title", "topic", "place", "organizer__name")


class AttendanceFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    course = django_filters.ModelChoiceFilter(
        queryset=Course.objects.none(), label=_("Course"), field_name="course"
    )
    organization = OrganizationChoice("organization")
    year = _year("course__starts_on")
    passed = BooleanFilter(label=_("Passed"))
    certified = BooleanFilter(method="by_certified", label=_("Certificate issued"))

    class Meta:
        model = Attendance
        fields = ["q", "course", "organization", "year", "passed", "certified"]

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and data.get("course__year") and not data.get("year"):
            # `course__year` is an alias of `year` kept for links.
            data = data.copy()
            data["year"] = data["course__year"]
        super().__init__(data, *args, **kwargs)
        limit_organizations(self, "organization", "organization_id")
        courses = self.queryset.order_by().values("course_id")
        self.filters["course"].queryset = (
            Course.objects.filter(pk__in=courses).only("id", "title").order_by("-starts_on", "pk")
        )

    def search(self, queryset, name, value):
        return _search(queryset, value, "name", "certificate_number", "organization__name")

    def by_certified(self, queryset, name, value):
        if value is None:
            return queryset
        q = ~Q(certificate_number="")
        return queryset.filter(q) if value else queryset.exclude(q)


class TalentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(choices=TalentKind.choices, label=_("Kind"))
    organization = OrganizationChoice("organization")
    active = BooleanFilter(field_name="is_active", label=_("Active"))
    has_certificate = BooleanFilter(
        method="by_certificate", label=_("Holds a qualification certificate")
    )
    trained_in = django_filters.NumberFilter(
        method="by_trained_in", label=_("Trained in (year)"), min_value=1990, max_value=2100
    )

    class Meta:
        model = Talent
        fields = ["q", "kind", "organization", "active", "has_certificate", "trained_in"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_organizations(self, "organization", "organization_id")

    def search(self, queryset, name, value):
        return _search(
            queryset, value, "name", "qualification", "specialties", "organization__name"
        )

    def by_certificate(self, queryset, name, value):
        if value is None:
            return queryset
        q = ~Q(certificate_number="")
        return queryset.filter(q) if value else queryset.exclude(q)

    def by_trained_in(self, queryset, name, value):
        if value is None:
            return queryset
        trained = Attendance.objects.filter(course__starts_on__year=int(value)).values("talent_id")
        return queryset.filter(pk__in=trained)

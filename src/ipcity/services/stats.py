"""The services figures of a year, as the reader may see them.

Each section is computed from the same queryset the list page behind it shows: the model's
`restrict(user, "view")` filtered through the list's own FilterSet with the parameters the
figure's link carries (service requests: kind, status, service_point, submitted_after /
submitted_before, overdue, rated, handed_over; events: year, kind, channel; courses: year;
attendances: year, certified; talent: kind). So a figure and the list it opens agree by
construction; grouped figures (by kind, status, point, channel) add the group's parameter to the
year's ones. A figure with `exact = False` has no list parameter that selects exactly its rows
(requests answered within their response time, one rating value): its link opens the nearest
list, which holds them among others.

A section is left out (not zeroed) for a reader without view permission on its model. The whole
set is a fixed number of queries whatever the number of records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from urllib.parse import urlencode

from django.db.models import Avg, Count, F, Q, Sum
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.core.scope import has_perm

from .choices import Channel, EventKind, RequestStatus, ServiceKind, TalentKind
from .filters.outreach import (
    AttendanceFilterSet,
    CourseFilterSet,
    EventFilterSet,
    TalentFilterSet,
)
from .filters.requests import ServiceRequestFilterSet
from .models import Attendance, Course, Event, ServiceRequest, Talent

MIN_YEAR = 2000
RATINGS = (1, 2, 3, 4, 5)


def can_view(user) -> bool:
    """Who sees the overview: readers of service requests or of events."""
    return has_perm(user, ServiceRequest, "view") or has_perm(user, Event, "view")


def list_url(name: str, params: dict) -> str:
    url = reverse(f"services:{name}")
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    query = urlencode(clean, doseq=True)
    return f"{url}?{query}" if query else url


@dataclass
class Figure:
    key: str
    label: str
    value: int | Decimal | None
    list_name: str = ""
    params: dict = field(default_factory=dict)
    unit: str = ""
    kind: str = "count"  # count | sum | percent | average
    exact: bool = True

    @property
    def url(self) -> str:
        return list_url(self.list_name, self.params) if self.list_name else ""

    @property
    def text(self) -> str:
        if self.value is None:
            return "—"
        if self.kind == "percent":
            return f"{Decimal(self.value):,.1f}%"
        if self.kind in ("average", "sum"):
            value = Decimal(self.value)
            if self.kind == "sum" and value == value.to_integral_value():
                return f"{int(value):,}"
            return f"{value:,.1f}"
        return f"{int(self.value):,}"

    def as_dict(self) -> dict:
        value = self.value
        if isinstance(value, Decimal):
            value = float(value)
        return {
            "key": self.key,
            "label": str(self.label),
            "value": value,
            "text": self.text,
            "unit": str(self.unit),
            "url": self.url,
            "exact": self.exact,
        }


@dataclass
class Stats:
    year: int
    requests: list[Figure] = field(default_factory=list)  # headline of requests
    by_kind: list[dict] = field(default_factory=list)  # {key, label, total: Figure}
    by_status: list[Figure] = field(default_factory=list)
    by_point: list[Figure] = field(default_factory=list)
    ratings: list[Figure] = field(default_factory=list)
    events: list[Figure] = field(default_factory=list)
    by_channel: list[dict] = field(default_factory=list)  # {key, label, count, reach}
    events_by_kind: list[Figure] = field(default_factory=list)
    training: list[Figure] = field(default_factory=list)
    talent: list[Figure] = field(default_factory=list)
    sections: set = field(default_factory=set)

    def all_figures(self) -> list[Figure]:
        found = [
            *self.requests,
            *self.by_status,
            *self.by_point,
            *self.ratings,
            *self.events,
            *self.events_by_kind,
            *self.training,
            *self.talent,
        ]
        found += [row["total"] for row in self.by_kind]
        for row in self.by_channel:
            found += [row["count"], row["reach"]]
        return found

    def by_key(self) -> dict[str, Figure]:
        return {f.key: f for f in self.all_figures()}

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "sections": sorted(self.sections),
            "figures": [f.as_dict() for f in self.all_figures()],
        }


def _filtered(filterset_class, queryset, params: dict, user):
    """`queryset` through the list's FilterSet with `params`, as the list page filters it."""
    data = QueryDict(mutable=True)
    for name, value in params.items():
        data[name] = str(value)
    filterset = filterset_class(data, queryset=queryset, request=SimpleNamespace(user=user))
    return filterset.qs.order_by()


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _one_decimal(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)


# --- service requests ----------------------------------------------------------------------


def _request_span(year: int) -> dict:
    return {"submitted_after": f"{year}-01-01", "submitted_before": f"{year}-12-31"}


def _requests_base(user, year: int):
    return _filtered(
        ServiceRequestFilterSet,
        ServiceRequest.objects.restrict(user, "view"),
        _request_span(year),
        user,
    )


def request_headline(user, year: int) -> list[Figure]:
    """Requests of the year: total, overdue, answered, answered in time (and its share),
    rated, average satisfaction, handed over to enforcement. One aggregate query."""
    span = _request_span(year)
    base = _requests_base(user, year)
    overdue = _filtered(ServiceRequestFilterSet, base, {"overdue": "true"}, user)
    answered_q = Q(answered_on__isnull=False)
    in_time_q = answered_q & Q(response_due__isnull=False, answered_on__lte=F("response_due"))
    totals = base.aggregate(
        total=Count("pk"),
        answered=Count("pk", filter=answered_q),
        in_time=Count("pk", filter=in_time_q),
        rated=Count("pk", filter=Q(rating__isnull=False)),
        rating=Avg("rating"),
        handed_over=Count("pk", filter=Q(lead__isnull=False)),
        overdue=Count("pk", filter=Q(pk__in=overdue.values("pk"))),
    )
    name = "request_list"
    return [
        Figure("requests_total", _("Requests submitted"), totals["total"], name, span),
        Figure(
            "requests_overdue",
            _("Waiting past their response time"),
            totals["overdue"],
            name,
            {**span, "overdue": "true"},
        ),
        Figure(
            "requests_answered",
            _("Answered"),
            totals["answered"],
            name,
            span,
            exact=False,
        ),
        Figure(
            "requests_in_time",
            _("Answered in time"),
            totals["in_time"],
            name,
            span,
            exact=False,
        ),
        Figure(
            "requests_in_time_share",
            _("Answered in time, share of answered"),
            _percent(totals["in_time"], totals["answered"]),
            name,
            span,
            kind="percent",
            exact=False,
        ),
        Figure("requests_rated", _("Rated"), totals["rated"], name, {**span, "rated": "true"}),
        Figure(
            "requests_satisfaction",
            _("Average satisfaction (1-5)"),
            _one_decimal(totals["rating"]),
            name,
            {**span, "rated": "true"},
            kind="average",
        ),
        Figure(
            "requests_handed_over",
            _("Handed over to enforcement"),
            totals["handed_over"],
            name,
            {**span, "handed_over": "true"},
        ),
    ]


def _requests_grouped(stats: Stats, user, year: int) -> None:
    span = _request_span(year)
    base = _requests_base(user, year)
    name = "request_list"
    kinds = dict(base.values_list("kind").annotate(n=Count("pk")).order_by())
    stats.by_kind = [
        {
            "key": value,
            "label": str(label),
            "total": Figure(
                f"kind_{value}", label, kinds.get(value, 0), name, {**span, "kind": value}
            ),
        }
        for value, label in ServiceKind.choices
        if kinds.get(value) or value in _REQUEST_KINDS
    ]
    statuses = dict(base.values_list("status").annotate(n=Count("pk")).order_by())
    stats.by_status = [
        Figure(f"status_{value}", label, statuses.get(value, 0), name, {**span, "status": value})
        for value, label in RequestStatus.choices
    ]
    points = (
        base.filter(service_point__isnull=False)
        .values("service_point", "service_point__organization__name")
        .annotate(n=Count("pk"))
        .order_by("service_point__organization__name", "service_point")
    )
    stats.by_point = [
        Figure(
            f"point_{row['service_point']}",
            row["service_point__organization__name"],
            row["n"],
            name,
            {**span, "service_point": row["service_point"]},
        )
        for row in points
    ]
    ratings = dict(
        base.filter(rating__isnull=False).values_list("rating").annotate(n=Count("pk")).order_by()
    )
    stats.ratings = [
        Figure(
            f"rating_{value}",
            _("%(n)d stars") % {"n": value},
            ratings.get(value, 0),
            name,
            {**span, "rated": "true"},
            exact=False,
        )
        for value in RATINGS
    ]


# The kinds a request asks for (plan task 15): always shown, even at zero.
_REQUEST_KINDS = {
    ServiceKind.CONSULTATION,
    ServiceKind.RIGHTS_PROTECTION,
    ServiceKind.MEDIATION,
    ServiceKind.POLICY_BRIEFING,
    ServiceKind.EARLY_WARNING,
    ServiceKind.OVERSEAS,
    ServiceKind.FINANCING,
}


# --- publicity and training -----------------------------------------------------------------


def event_headline(user, year: int) -> list[Figure]:
    params = {"year": year}
    base = _filtered(EventFilterSet, Event.objects.restrict(user, "view"), params, user)
    totals = base.aggregate(count=Count("pk"), reach=Sum("reach"))
    return [
        Figure("events_total", _("Publicity events"), totals["count"], "event_list", params),
        Figure(
            "events_reach",
            _("People reached"),
            totals["reach"] or 0,
            "event_list",
            params,
            kind="sum",
        ),
    ]


def _events_grouped(stats: Stats, user, year: int) -> None:
    params = {"year": year}
    base = _filtered(EventFilterSet, Event.objects.restrict(user, "view"), params, user)
    by_channel = {
        row["channel"]: row
        for row in base.values("channel").annotate(n=Count("pk"), reach=Sum("reach")).order_by()
    }
    stats.by_channel = []
    for value, label in Channel.choices:
        row = by_channel.get(value, {"n": 0, "reach": 0})
        channel_params = {**params, "channel": value}
        stats.by_channel.append(
            {
                "key": value,
                "label": str(label),
                "count": Figure(f"channel_{value}", label, row["n"], "event_list", channel_params),
                "reach": Figure(
                    f"channel_reach_{value}",
                    label,
                    row["reach"] or 0,
                    "event_list",
                    channel_params,
                    kind="sum",
                ),
            }
        )
    kinds = dict(base.values_list("kind").annotate(n=Count("pk")).order_by())
    stats.events_by_kind = [
        Figure(
            f"event_kind_{value}",
            label,
            kinds.get(value, 0),
            "event_list",
            {**params, "kind": value},
        )
        for value, label in EventKind.choices
    ]


def training_headline(user, year: int) -> list[Figure]:
    """Courses and their hours, attendances, hours attended and certificates. Two queries."""
    figures = []
    params = {"year": year}
    if has_perm(user, Course, "view"):
        courses = _filtered(CourseFilterSet, Course.objects.restrict(user, "view"), params, user)
        totals = courses.aggregate(count=Count("pk"), hours=Sum("hours"))
        figures += [
            Figure("courses_total", _("Training courses"), totals["count"], "course_list", params),
            Figure(
                "courses_hours",
                _("Training hours"),
                totals["hours"] or Decimal(0),
                "course_list",
                params,
                unit=_("hours"),
                kind="sum",
            ),
        ]
    if has_perm(user, Attendance, "view"):
        attendances = _filtered(
            AttendanceFilterSet, Attendance.objects.restrict(user, "view"), params, user
        )
        certified = _filtered(AttendanceFilterSet, attendances, {"certified": "true"}, user)
        totals = attendances.aggregate(
            count=Count("pk"),
            hours=Sum("hours"),
            certified=Count("pk", filter=Q(pk__in=certified.values("pk"))),
        )
        figures += [
            Figure(
                "attendances_total", _("Attendances"), totals["count"], "attendance_list", params
            ),
            Figure(
                "attendances_hours",
                _("Hours attended"),
                totals["hours"] or Decimal(0),
                "attendance_list",
                params,
                unit=_("hours"),
                kind="sum",
            ),
            Figure(
                "certificates",
                _("Certificates issued"),
                totals["certified"],
                "attendance_list",
                {**params, "certified": "true"},
            ),
        ]
    return figures


def _talent(user) -> list[Figure]:
    """The talent pool now, by kind (not bound to the year). One query."""
    base = _filtered(TalentFilterSet, Talent.objects.restrict(user, "view"), {}, user)
    kinds = dict(base.values_list("kind").annotate(n=Count("pk")).order_by())
    return [
        Figure("talent_total", _("Talent pool"), sum(kinds.values()), "talent_list", {}),
        *[
            Figure(f"talent_{value}", label, kinds.get(value, 0), "talent_list", {"kind": value})
            for value, label in TalentKind.choices
        ],
    ]


# --- everything -----------------------------------------------------------------------------


def compute(user, year: int) -> Stats:
    stats = Stats(year=year)
    if has_perm(user, ServiceRequest, "view"):
        stats.sections.add("requests")
        stats.requests = request_headline(user, year)
        _requests_grouped(stats, user, year)
    if has_perm(user, Event, "view"):
        stats.sections.add("events")
        stats.events = event_headline(user, year)
        _events_grouped(stats, user, year)
    training = training_headline(user, year)
    if training:
        stats.sections.add("training")
        stats.training = training
    if has_perm(user, Talent, "view"):
        stats.sections.add("talent")
        stats.talent = _talent(user)
    return stats


def card_figures(user, year: int) -> list[Figure]:
    """The dashboard card: requests, answered in time %, satisfaction, events, reach, hours."""
    figures = []
    if has_perm(user, ServiceRequest, "view"):
        by_key = {f.key: f for f in request_headline(user, year)}
        figures += [
            by_key["requests_total"],
            by_key["requests_in_time_share"],
            by_key["requests_satisfaction"],
        ]
    if has_perm(user, Event, "view"):
        figures += event_headline(user, year)
    if has_perm(user, Course, "view"):
        figures += [f for f in training_headline(user, year) if f.key == "courses_hours"]
    return figures


def this_year() -> int:
    return timezone.localdate().year

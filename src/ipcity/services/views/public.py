"""The public portal (no sign-in), mounted at /public/: the home page, policies and notices,
the service directory and the events calendar.

Only what is meant for everybody is read here, always through the public filters of the models:
notices published on or before today (`Notice.scope_public_view`), institutions published and
active, events marked for the public calendar (`outreach.public_events`). Drafts, scheduled
notices, hidden institutions, the talent pool and service requests never reach these pages; an
address of something not public answers 404, the same as one that does not exist.

Every page runs a fixed number of queries whatever the number of rows (bounded pages,
select_related / prefetch_related).
"""

from __future__ import annotations

import calendar
import datetime

from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR

from ipcity.core.views.generic import paginate

from .. import notices, outreach
from ..choices import InstitutionKind, ServiceKind
from ..filters.notices import PublicNoticeFilterSet
from ..models import Institution, InstitutionService, Qualification

TEMPLATES = "services/public"
PAGE_SIZE = 20
HOME_NOTICES = 6
HOME_EVENTS = 5
HOME_EVENT_DAYS = 90
MAX_WORDS = 10

# What one may ask for on the request form (plan task 15); the directory lists every service.
REQUEST_KINDS = (
    ServiceKind.CONSULTATION,
    ServiceKind.RIGHTS_PROTECTION,
    ServiceKind.MEDIATION,
    ServiceKind.POLICY_BRIEFING,
    ServiceKind.EARLY_WARNING,
    ServiceKind.OVERSEAS,
    ServiceKind.FINANCING,
)
KIND_ICONS = {
    ServiceKind.CONSULTATION: "chat-dots",
    ServiceKind.RIGHTS_PROTECTION: "shield-check",
    ServiceKind.MEDIATION: "people",
    ServiceKind.POLICY_BRIEFING: "journal-text",
    ServiceKind.EARLY_WARNING: "exclamation-triangle",
    ServiceKind.OVERSEAS: "globe2",
    ServiceKind.FINANCING: "bank",
}


def public_events(start: datetime.date, end: datetime.date):
    """Published events touching [start, end], through the outreach module's definition."""
    return outreach.public_events(start, end)


def directory_queryset():
    return Institution.objects.filter(published=True, is_active=True).select_related("organization")


# --- home ---------------------------------------------------------------------------------------


def home(request):
    today = timezone.localdate()
    latest = list(notices.public_notices()[:HOME_NOTICES])
    upcoming = list(
        public_events(today, today + datetime.timedelta(days=HOME_EVENT_DAYS)).order_by(
            "starts_on", "pk"
        )[:HOME_EVENTS]
    )
    kinds = [
        {"value": kind.value, "label": kind.label, "icon": KIND_ICONS.get(kind, "question-circle")}
        for kind in REQUEST_KINDS
    ]
    return render(
        request,
        f"{TEMPLATES}/home.html",
        {"notices": latest, "events": upcoming, "kinds": kinds, "nav": "home"},
    )


# --- notices ------------------------------------------------------------------------------------


def notice_list(request):
    filterset = PublicNoticeFilterSet(request.GET or None, queryset=notices.public_notices())
    page = paginate(request, filterset.qs, PAGE_SIZE)
    return render(
        request,
        f"{TEMPLATES}/notice_list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": _query_without_page(request),
            "nav": "notices",
        },
    )


def notice_detail(request, pk):
    notice = get_object_or_404(notices.public_notices(), pk=pk)
    return render(request, f"{TEMPLATES}/notice_detail.html", {"notice": notice, "nav": "notices"})


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- directory ----------------------------------------------------------------------------------


def directory(request):
    qs = directory_queryset().prefetch_related(
        Prefetch("services", queryset=InstitutionService.objects.order_by("kind"))
    )
    kind = request.GET.get("kind", "")
    service = request.GET.get("service", "")
    text = (request.GET.get("q") or "").strip()
    if kind in InstitutionKind.values:
        qs = qs.filter(kind=kind)
    else:
        kind = ""
    if service in ServiceKind.values:
        qs = qs.filter(services__kind=service)
    else:
        service = ""
    for word in text.split()[:MAX_WORDS]:
        qs = qs.filter(
            Q(organization__name__icontains=word) | Q(organization__short_name__icontains=word)
        )
    page = paginate(request, qs.order_by("kind", "organization__name", "pk"), PAGE_SIZE)
    return render(
        request,
        f"{TEMPLATES}/directory.html",
        {
            "page": page,
            "kind": kind,
            "service": service,
            "q": text,
            "kinds": InstitutionKind.choices,
            "services": ServiceKind.choices,
            "query": _query_without_page(request),
            "filter_active": bool(kind or service or text),
            "nav": "directory",
        },
    )


def institution_detail(request, pk):
    institution = get_object_or_404(
        directory_queryset().prefetch_related(
            Prefetch("services", queryset=InstitutionService.objects.order_by("kind")),
            Prefetch(
                "qualifications",
                queryset=Qualification.objects.order_by("name", "pk"),
            ),
        ),
        pk=pk,
    )
    today = timezone.localdate()
    qualifications = [
        {
            "name": q.name,
            "valid_from": q.valid_from,
            "valid_until": q.valid_until,
            "valid": (q.valid_from is None or q.valid_from <= today)
            and (q.valid_until is None or q.valid_until >= today),
        }
        for q in institution.qualifications.all()
    ]
    return render(
        request,
        f"{TEMPLATES}/institution_detail.html",
        {
            "institution": institution,
            "qualifications": qualifications,
            "nav": "directory",
        },
    )


# --- events calendar ----------------------------------------------------------------------------


def _parse_month(value: str | None, today: datetime.date) -> datetime.date | None:
    if not value:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in value.split("-", 1))
        return datetime.date(year, month, 1)
    except (TypeError, ValueError):
        return None


def _shift(first: datetime.date, months: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def events(request):
    today = timezone.localdate()
    first = _parse_month(request.GET.get("month"), today)
    if first is None or not 2000 <= first.year <= today.year + 5:
        raise Http404
    last = _shift(first, 1) - datetime.timedelta(days=1)
    rows = list(public_events(first, last).select_related("organizer").order_by("starts_on", "pk"))
    by_day: dict[int, list] = {}
    for event in rows:
        start = max(event.starts_on, first)
        end = min(event.ends_on or event.starts_on, last)
        day = start
        while day <= end:
            by_day.setdefault(day.day, []).append(event)
            day += datetime.timedelta(days=1)
    weeks = [
        [
            {
                "day": day,
                "events": by_day.get(day, []),
                "today": day and first.replace(day=day) == today,
            }
            for day in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdayscalendar(first.year, first.month)
    ]
    return render(
        request,
        f"{TEMPLATES}/events.html",
        {
            "month": first,
            "events": rows,
            "weeks": weeks,
            "weekdays": _weekday_names(),
            "previous": _shift(first, -1).strftime("%Y-%m"),
            "next": _shift(first, 1).strftime("%Y-%m"),
            "this_month": today.strftime("%Y-%m"),
            "nav": "events",
        },
    )


def _weekday_names() -> list[str]:
    return [str(WEEKDAYS_ABBR[i]) for i in range(7)]


urlpatterns = [
    path("", home, name="home"),
    path("notices/", notice_list, name="notice_list"),
    path("notices/<int:pk>/", notice_detail, name="notice_detail"),
    path("directory/", directory, name="directory"),
    path("directory/<int:pk>/", institution_detail, name="institution_detail"),
    path("events/", events, name="events"),
]

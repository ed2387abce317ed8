"""Publicity event pages (plan task 16): list with filters and export, detail with history,
add, edit, delete, import, and the figures per year (events and reach by channel and kind).

Organizers record their own events (member units, service institutions), the office all;
published events are read by every holder of `services.view_event`. Changes go through
`services.outreach`, shared with the API and the import.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, ProtectedError, RestrictedError, Sum
from django.db.models.functions import ExtractYear
from django.shortcuts import redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core import menu, once
from ipcity.core.scope import has_perm
from ipcity.core.templatetags.ipcity import field_rows
from ipcity.core.views import generic

from .. import outreach
from ..exports.outreach import EVENT_EXPORT
from ..filters.outreach import EventFilterSet
from ..forms.outreach import EventForm
from ..imports import outreach as _formats  # noqa: F401  (registers the import formats)
from ..models import Event
from ..tables.outreach import EventTable

QUERYSET = Event.objects.select_related("organizer")
TEMPLATES = "services/events"


class OnceAddMixin:
    """An add form that submits once (core/once.py): a second POST of the same form goes to
    the first one's result instead of adding a second record. Editing is not affected."""

    template_name = "services/events/object_form.html"

    def post(self, request, *args, **kwargs):
        if "pk" in self.kwargs:
            return super().post(request, *args, **kwargs)
        self.get_target()  # refuse first (403) whoever may not add
        if not once.claim(request):
            return once.repeat_response(request, fallback=self.list_url())
        try:
            response = super().post(request, *args, **kwargs)
        except BaseException:
            once.release(request)
            raise
        if response.status_code in (301, 302, 303):
            once.done(request, response["Location"])
        else:
            once.release(request)
        return response


class OutreachEditView(OnceAddMixin, generic.ObjectEditView):
    """Create or edit through `services.outreach`, so the page and the API share the rules."""

    def get_form_kwargs(self) -> dict:
        return {"user": self.request.user}

    def save(self, form):
        return outreach.save_form(self.request.user, form)


class OutreachDeleteView(generic.ObjectDeleteView):
    def post(self, request, *args, **kwargs):
        obj = self.get_object("delete")
        name = str(obj)
        try:
            outreach.delete(request.user, obj)
        except (ProtectedError, RestrictedError):
            messages.error(
                request,
                _("“%(name)s” is still referenced by other records and was not deleted.")
                % {"name": name},
            )
            return redirect(obj.get_absolute_url())
        messages.success(
            request,
            _("“%(name)s” deleted. It can be restored from the recycle bin.") % {"name": name},
        )
        return redirect(self.list_url())


class EventListView(generic.ObjectListView):
    queryset = QUERYSET
    filterset_class = EventFilterSet
    table_class = EventTable
    export_spec = EVENT_EXPORT
    import_url = reverse_lazy("core:import_upload", args=["services.event"])
    template_name = f"{TEMPLATES}/event_list.html"

    def extra_context(self) -> dict:
        return {"stats_url": reverse("services:event_stats")}


class EventDetailView(generic.ObjectDetailView):
    queryset = QUERYSET
    template_name = f"{TEMPLATES}/event_detail.html"

    def extra_context(self, obj) -> dict:
        return {
            "rows": field_rows(
                obj,
                "kind",
                "channel",
                "starts_on",
                "ends_on",
                "place",
                "organizer",
                "audience",
                "reach",
                "link",
                "published",
                "description",
            )
        }


class EventHistoryView(generic.ObjectHistoryView):
    queryset = QUERYSET


class EventEditView(OutreachEditView):
    queryset = QUERYSET
    form_class = EventForm


class EventDeleteView(OutreachDeleteView):
    queryset = QUERYSET


@login_required
def event_stats(request):
    """Events and reach of a year by channel and by kind, and every year's totals; each figure
    links to the event list showing exactly its rows."""
    if not has_perm(request.user, Event, "view"):
        raise PermissionDenied
    events = Event.objects.restrict(request.user, "view").order_by()
    years = list(
        events.annotate(y=ExtractYear("starts_on"))
        .values("y")
        .annotate(n=Count("pk"), reach=Sum("reach"))
        .order_by("-y")
    )
    today = outreach.current_date()
    try:
        year = int(request.GET.get("year") or (years[0]["y"] if years else today.year))
    except ValueError:
        year = today.year
    year = max(1990, min(year, 2100))
    list_url = reverse("services:event_list")
    for row in years:
        row["url"] = f"{list_url}?year={row['y']}"
    return render(
        request,
        f"{TEMPLATES}/event_stats.html",
        {
            "figures": outreach.figures(request.user, year),
            "year": year,
            "years": years,
            "list_url": list_url,
            "verbose_name_plural": Event._meta.verbose_name_plural,
        },
    )


menu.register(
    "service",
    gettext_lazy("Publicity events"),
    "services:event_list",
    "services.view_event",
    order=40,
    icon="megaphone",
)

urlpatterns = [
    path("events/", EventListView.as_view(), name="event_list"),
    path("events/stats/", event_stats, name="event_stats"),
    path("events/add/", EventEditView.as_view(), name="event_add"),
    path("events/<int:pk>/", EventDetailView.as_view(), name="event_detail"),
    path("events/<int:pk>/edit/", EventEditView.as_view(), name="event_edit"),
    path("events/<int:pk>/delete/", EventDeleteView.as_view(), name="event_delete"),
    path("events/<int:pk>/history/", EventHistoryView.as_view(), name="event_history"),
]

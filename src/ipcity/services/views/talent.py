"""Talent pool pages (plan task 17): patent agents, IP lawyers, enterprise IP managers… with their
qualification and training history (attendances, total hours); list with filters, export and
import, detail, add, edit, delete, history.

A person's phone and e-mail are shown only to those who may change the row (the office and the
person's own organization); the history shows other readers who changed which field and when,
never the values.
"""

from __future__ import annotations

from django.db.models import DecimalField, OuterRef, Subquery, Sum
from django.shortcuts import render
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext_lazy

from ipcity.core import menu
from ipcity.core.templatetags.ipcity import field_rows
from ipcity.core.views import generic

from .. import outreach
from ..exports.outreach import TALENT_EXPORT
from ..filters.outreach import TalentFilterSet
from ..forms.outreach import TalentForm
from ..models import Attendance, Talent
from ..tables.outreach import TalentTable
from .events import OutreachDeleteView, OutreachEditView

QUERYSET = Talent.objects.select_related("organization")
TEMPLATES = "services/talent"


def with_training_hours(queryset, user):
    """Each person's hours over the attendances the reader may view (one subquery)."""
    hours = (
        Attendance.objects.restrict(user, "view")
        .filter(talent=OuterRef("pk"))
        .order_by()
        .values("talent")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return queryset.annotate(
        training_hours=Subquery(hours, output_field=DecimalField(max_digits=8, decimal_places=1))
    )


class TalentListView(generic.ObjectListView):
    queryset = QUERYSET
    filterset_class = TalentFilterSet
    table_class = TalentTable
    export_spec = TALENT_EXPORT
    import_url = reverse_lazy("core:import_upload", args=["services.talent"])

    def restricted(self, action: str):
        return with_training_hours(super().restricted(action), self.request.user)


class TalentDetailView(generic.ObjectDetailView):
    queryset = QUERYSET
    template_name = f"{TEMPLATES}/talent_detail.html"

    def extra_context(self, talent) -> dict:
        user = self.request.user
        names = [
            "kind",
            "organization",
            "qualification",
            "certificate_number",
            "qualified_on",
            "specialties",
        ]
        contact = outreach.may_see_contact(user, talent)
        if contact:
            names += ["phone", "email"]
        names += ["is_active", "notes"]
        attendances = (
            Attendance.objects.restrict(user, "view")
            .filter(talent=talent)
            .select_related("course", "course__organizer")
            .order_by("-course__starts_on", "pk")
        )
        return {
            "rows": field_rows(talent, *names),
            "contact_visible": contact,
            "attendances": list(attendances),
            "totals": outreach.training_totals(attendances),
            "training_url": reverse("services:training_by_org", args=[talent.organization_id])
            if talent.organization_id
            else "",
        }


class TalentHistoryView(generic.ObjectHistoryView):
    """The history; its values only for those who may change the row (contacts are private)."""

    queryset = QUERYSET

    def get(self, request, *args, **kwargs):
        talent = self.get_object("view")
        records = talent.history.select_related("history_user").order_by("-history_date", "-pk")
        page = generic.paginate(request, records, per_page=25)
        context = self.detail_context(talent)
        context.update(
            {
                "page": page,
                "rows": generic.history_rows(
                    page.object_list,
                    mask_private=not outreach.may_see_contact(request.user, talent),
                ),
            }
        )
        return render(request, self.template_name, context)


class TalentEditView(OutreachEditView):
    queryset = QUERYSET
    form_class = TalentForm


class TalentDeleteView(OutreachDeleteView):
    queryset = QUERYSET


menu.register(
    "service",
    gettext_lazy("Talent pool"),
    "services:talent_list",
    "services.view_talent",
    order=43,
    icon="people",
)

urlpatterns = [
    path("talent/", TalentListView.as_view(), name="talent_list"),
    path("talent/add/", TalentEditView.as_view(), name="talent_add"),
    path("talent/<int:pk>/", TalentDetailView.as_view(), name="talent_detail"),
    path("talent/<int:pk>/edit/", TalentEditView.as_view(), name="talent_edit"),
    path("talent/<int:pk>/delete/", TalentDeleteView.as_view(), name="talent_delete"),
    path("talent/<int:pk>/history/", TalentHistoryView.as_view(), name="talent_history"),
]

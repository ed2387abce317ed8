"""Protection pages: enforcement agencies and their certified officers (持证上岗).

Agencies are reference data (every holder of protection.view_agency reads them; the office adds
and changes them). Officers are reached through `restrict()` over the officer's agency; their
trainings are changed by whoever may change the officer, and the officer's hours stay the sum
of the trainings (protection/officers.py).
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ipcity.core import menu, once
from ipcity.core.scope import has_perm
from ipcity.core.views import generic

from .. import officers, visibility
from ..choices import OPEN_CASE_STATUSES, OfficerStatus
from ..exports.agencies import AGENCY_EXPORT, OFFICER_EXPORT
from ..filters.agencies import AgencyFilterSet, OfficerFilterSet
from ..forms.agencies import AgencyForm, OfficerForm, TrainingForm
from ..imports import agencies as _import_format  # noqa: F401  (registers the format)
from ..models import Agency, Case, CaseHandler, Officer, OfficerTraining
from ..tables.agencies import AgencyTable, OfficerTable, validity_badge
from .coordination import OnceEditMixin

TEMPLATES = "protection/agencies"
AGENCIES = Agency.objects.select_related("organization")
OFFICERS = Officer.objects.select_related("organization", "user")


def _url(name: str, *args, params: dict | list | None = None) -> str:
    """A URL of another area, or "" while that area's pages are not there yet."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


def officer_list_url(params: dict | None = None) -> str:
    return _url("protection:officer_list", params=params)


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(str(m) for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(str(m) for m in exc.messages)


# --- agencies -------------------------------------------------------------------------------


class AgencyListView(generic.ObjectListView):
    queryset = AGENCIES
    filterset_class = AgencyFilterSet
    table_class = AgencyTable
    export_spec = AGENCY_EXPORT


class AgencyDetailView(generic.ObjectDetailView):
    queryset = AGENCIES
    template_name = f"{TEMPLATES}/agency_detail.html"

    def extra_context(self, agency) -> dict:
        user = self.request.user
        org = agency.organization
        on = officers.current_date()
        open_cases = (
            visibility.listed_cases(user)
            .filter(agency=org)
            .filter(Case.open_q())
            .order_by()
            .count()
        )
        context = {
            "on": on,
            "open_cases": open_cases,
            "cases_url": _url(
                "protection:case_list",
                params=[("agency", org.pk)] + [("status", s.value) for s in OPEN_CASE_STATUSES],
            ),
            "may_see_cases": has_perm(user, Case, "view") or has_perm(user, Case, "summary"),
            "may_see_officers": has_perm(user, Officer, "view"),
            "warning_days": officers.warning_days(),
        }
        if context["may_see_officers"]:
            counts = Officer.objects.restrict(user, "view").filter(organization=org)
            context["certified"] = counts.filter(officers.certified_q(on)).count()
            context["expiring"] = counts.filter(officers.expiring_q(on)).count()
            context["certified_url"] = officer_list_url(
                {"organization": org.pk, "certified": "true"}
            )
            context["expiring_url"] = officer_list_url(
                {"organization": org.pk, "expiring_within": officers.warning_days()}
            )
            context["officers_url"] = officer_list_url({"organization": org.pk})
        return context


class AgencyEditView(OnceEditMixin, generic.ObjectEditView):
    queryset = AGENCIES
    form_class = AgencyForm
    template_name = f"{TEMPLATES}/object_form.html"

    def get_form_kwargs(self) -> dict:
        return {"user": self.request.user}


class AgencyHistoryView(generic.ObjectHistoryView):
    queryset = AGENCIES


# --- officers -------------------------------------------------------------------------------


class OfficerListView(generic.ObjectListView):
    queryset = OFFICERS
    filterset_class = OfficerFilterSet
    table_class = OfficerTable
    export_spec = OFFICER_EXPORT
    import_url = reverse_lazy("core:import_upload", args=["protection.officer"])
    template_name = f"{TEMPLATES}/officer_list.html"

    def extra_context(self) -> dict:
        on = officers.current_date()
        seen = Officer.objects.restrict(self.request.user, "view").order_by()
        counts = seen.aggregate(
            certified=Count("pk", filter=officers.certified_q(on)),
            expiring=Count("pk", filter=officers.expiring_q(on)),
            expired=Count("pk", filter=officers.expired_q(on) & Q(status=OfficerStatus.ACTIVE)),
        )
        days = officers.warning_days()
        return {
            "on": on,
            "counts": counts,
            "warning_days": days,
            "certified_url": officer_list_url({"certified": "true"}),
            "expiring_url": officer_list_url({"expiring_within": days}),
            "expired_url": officer_list_url(
                {"expired": "true", "status": OfficerStatus.ACTIVE.value}
            ),
        }


class OfficerDetailView(generic.ObjectDetailView):
    queryset = OFFICERS
    template_name = f"{TEMPLATES}/officer_detail.html"

    def extra_context(self, officer) -> dict:
        user = self.request.user
        on = officers.current_date()
        can_change = officers.can_change(user, officer)
        trainings = list(
            OfficerTraining.objects.restrict(user, "view")
            .filter(officer=officer)
            .order_by("-attended_on", "-pk")
        )
        # Handlers are child records of a case: only cases the user sees in full.
        full = visibility.full_cases(user).values("pk")
        assignments = list(
            CaseHandler.objects.filter(officer=officer, released_on__isnull=True, case__in=full)
            .select_related("case")
            .only(
                "pk",
                "is_lead",
                "assigned_on",
                "case__id",
                "case__number",
                "case__title",
                "case__status",
            )
            .order_by("-assigned_on", "-pk")
        )
        return {
            "on": on,
            "validity_badge": validity_badge(officer, on),
            "warning_days": officers.warning_days(),
            "trainings": trainings,
            "training_total": sum((t.hours for t in trainings), start=Decimal("0")),
            "assignments": [
                {"handler": h, "case": h.case, "url": _url("protection:case_detail", h.case.pk)}
                for h in assignments
            ],
            "can_change_trainings": can_change,
            "training_form": TrainingForm(prefix="training") if can_change else None,
        }


class OfficerEditView(OnceEditMixin, generic.ObjectEditView):
    queryset = OFFICERS
    form_class = OfficerForm
    template_name = f"{TEMPLATES}/object_form.html"

    def get_form_kwargs(self) -> dict:
        return {"user": self.request.user}

    def save(self, form):
        return officers.save_officer_form(self.request.user, form)


class OfficerHistoryView(generic.ObjectHistoryView):
    queryset = OFFICERS


def _officer(request, pk) -> Officer:
    return get_object_or_404(OFFICERS.restrict(request.user, "view"), pk=pk)


@login_required
@require_POST
def training_add(request, pk):
    officer = _officer(request, pk)
    officers.check_change(request.user, officer)
    if not once.claim(request):
        return once.repeat_response(request, fallback=officer.get_absolute_url())
    data = {
        key.removeprefix("training-"): value
        for key, value in request.POST.items()
        if key.startswith("training-")
    }
    try:
        training = officers.add_training(request.user, officer, data)
    except ValidationError as exc:
        once.release(request)
        messages.error(request, _error_text(exc))
    else:
        once.done(request, officer.get_absolute_url())
        messages.success(
            request,
            _("Training “%(course)s” recorded; %(name)s now has %(hours)s training hours.")
            % {
                "course": training.course,
                "name": officer.name,
                "hours": officer.training_hours,
            },
        )
    return redirect(officer.get_absolute_url())


@login_required
@require_POST
def training_delete(request, pk, training_pk):
    officer = _officer(request, pk)
    training = get_object_or_404(
        OfficerTraining.objects.restrict(request.user, "view"), pk=training_pk, officer=officer
    )
    officers.check_change(request.user, officer)
    officer = officers.delete_training(request.user, training)
    messages.success(
        request,
        _("Training deleted; %(name)s now has %(hours)s training hours.")
        % {"name": officer.name, "hours": officer.training_hours},
    )
    return redirect(officer.get_absolute_url())


menu.register(
    "protection",
    gettext_lazy("Enforcement agencies"),
    "protection:agency_list",
    "protection.view_agency",
    order=80,
    icon="building-gear",
)
menu.register(
    "protection",
    gettext_lazy("Enforcement officers"),
    "protection:officer_list",
    "protection.view_officer",
    order=85,
    icon="person-badge",
)

urlpatterns = [
    path("agencies/", AgencyListView.as_view(), name="agency_list"),
    path("agencies/add/", AgencyEditView.as_view(), name="agency_add"),
    path("agencies/<int:pk>/", AgencyDetailView.as_view(), name="agency_detail"),
    path("agencies/<int:pk>/edit/", AgencyEditView.as_view(), name="agency_edit"),
    path("agencies/<int:pk>/history/", AgencyHistoryView.as_view(), name="agency_history"),
    path("officers/", OfficerListView.as_view(), name="officer_list"),
    path("officers/add/", OfficerEditView.as_view(), name="officer_add"),
    path("officers/<int:pk>/", OfficerDetailView.as_view(), name="officer_detail"),
    path("officers/<int:pk>/edit/", OfficerEditView.as_view(), name="officer_edit"),
    path("officers/<int:pk>/history/", OfficerHistoryView.as_view(), name="officer_history"),
    path("officers/<int:pk>/trainings/add/", training_add, name="officer_training_add"),
    path(
        "officers/<int:pk>/trainings/<int:training_pk>/delete/",
        training_delete,
        name="officer_training_delete",
    ),
]

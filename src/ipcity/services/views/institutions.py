"""Institution directory pages (staff side): list with filters and export, detail with the
services offered, qualifications with their validity and the requests routed to it (those the
user may see), add/edit (the office; an institution's own users edit their own entry), the
qualification forms, history and the import link.

The public directory (`public:directory`) reads the same model on its own pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ipcity.core import menu, once
from ipcity.core.views import generic

from .. import institutions
from ..exports.institutions import INSTITUTION_EXPORT
from ..filters.institutions import InstitutionFilterSet
from ..forms.institutions import InstitutionForm, QualificationForm
from ..models import Institution, Qualification, ServiceRequest
from ..tables.institutions import InstitutionTable
from ..tables.requests import overdue_badge

TEMPLATES = "services/institutions"
QUERYSET = Institution.objects.select_related("organization", "organization__region")


class InstitutionListView(generic.ObjectListView):
    queryset = QUERYSET.prefetch_related("services")
    filterset_class = InstitutionFilterSet
    table_class = InstitutionTable
    export_spec = INSTITUTION_EXPORT
    import_url = reverse_lazy("core:import_upload", args=["services.institution"])


class InstitutionDetailView(generic.ObjectDetailView):
    queryset = QUERYSET
    template_name = f"{TEMPLATES}/institution_detail.html"

    def extra_context(self, institution) -> dict:
        user = self.request.user
        qualifications = list(institution.qualifications.all())
        for q in qualifications:
            q.state = institutions.qualification_state(q)
        routed = list(
            ServiceRequest.objects.restrict(user, "view")
            .filter(service_point=institution)
            .order_by("-submitted_on", "-pk")[:20]
        )
        for req in routed:
            req.badge = overdue_badge(req)
        can_change = institutions.can_change(user, institution)
        return {
            "services": list(institution.services.all()),
            "qualifications": qualifications,
            "routed": routed,
            "routed_url": reverse("services:request_list") + f"?service_point={institution.pk}",
            "can_change": can_change,
            "can_delete": Institution.objects.restrict(user, "delete")
            .filter(pk=institution.pk)
            .exists(),
        }


class InstitutionEditView(generic.ObjectEditView):
    queryset = QUERYSET
    form_class = InstitutionForm

    def get_form_kwargs(self) -> dict:
        return {"office": institutions.is_office(self.request.user)}

    def save(self, form):
        obj = form.save(commit=False)
        return institutions.save_institution(
            self.request.user, obj, services=form.cleaned_data.get("services") or []
        )


class InstitutionDeleteView(generic.ObjectDeleteView):
    queryset = QUERYSET


class InstitutionHistoryView(generic.ObjectHistoryView):
    queryset = QUERYSET


def _changeable(request, pk) -> Institution:
    institution = get_object_or_404(QUERYSET.restrict(request.user, "view"), pk=pk)
    if not institutions.can_change(request.user, institution):
        raise PermissionDenied
    return institution


@login_required
@require_http_methods(["GET", "POST"])
def qualification_edit(request, pk, qpk=None):
    institution = _changeable(request, pk)
    qualification = (
        get_object_or_404(Qualification, pk=qpk, institution=institution)
        if qpk
        else Qualification(institution=institution)
    )
    form = QualificationForm(request.POST or None, instance=qualification)
    adding = qualification.pk is None
    if request.method == "POST":
        here = institution.get_absolute_url()
        if adding and not once.claim(request):
            return once.repeat_response(request, fallback=here)
        if form.is_valid():
            try:
                obj = form.save(commit=False)
                obj._history_user = request.user
                obj.save()
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                if adding:
                    once.done(request, here)
                messages.success(request, _("Qualification saved."))
                return redirect(institution)
        if adding:
            once.release(request)
    return render(
        request,
        f"{TEMPLATES}/qualification_form.html",
        {
            "form": form,
            "object": institution,
            "qualification": qualification,
            "verbose_name_plural": Institution._meta.verbose_name_plural,
            "list_url": reverse("services:institution_list"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def qualification_delete(request, pk, qpk):
    institution = _changeable(request, pk)
    qualification = get_object_or_404(Qualification, pk=qpk, institution=institution)
    qualification._history_user = request.user
    qualification.delete()
    messages.success(request, _("Qualification deleted."))
    return redirect(institution)


menu.register(
    "service",
    gettext_lazy("Service institutions"),
    "services:institution_list",
    "services.view_institution",
    order=20,
    icon="building",
)

urlpatterns = [
    path("institutions/", InstitutionListView.as_view(), name="institution_list"),
    path("institutions/add/", InstitutionEditView.as_view(), name="institution_add"),
    path("institutions/<int:pk>/", InstitutionDetailView.as_view(), name="institution_detail"),
    path("institutions/<int:pk>/edit/", InstitutionEditView.as_view(), name="institution_edit"),
    path(
        "institutions/<int:pk>/delete/", InstitutionDeleteView.as_view(), name="institution_delete"
    ),
    path(
        "institutions/<int:pk>/history/",
        InstitutionHistoryView.as_view(),
        name="institution_history",
    ),
    path(
        "institutions/<int:pk>/qualifications/add/",
        qualification_edit,
        name="qualification_add",
    ),
    path(
        "institutions/<int:pk>/qualifications/<int:qpk>/",
        qualification_edit,
        name="qualification_edit",
    ),
    path(
        "institutions/<int:pk>/qualifications/<int:qpk>/delete/",
        qualification_delete,
        name="qualification_delete",
    ),
]

"""Training pages (plan task 17): courses (list, detail, add, edit, delete, history), their
attendees (added one by one on the course page, or from a spreadsheet checked row by row and
written all or nothing), the attendance list with its filters and export, and one
organization's training (its people's hours and certificates).

A course belongs to its organizer: its users (member units, service institutions) and the
office record attendees; an attendance is also read by the attendee's organization.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ipcity.core import imports as core_imports
from ipcity.core import menu, once
from ipcity.core.scope import has_perm
from ipcity.core.templatetags.ipcity import field_rows
from ipcity.core.views import generic
from ipcity.core.views.imports import UploadForm
from ipcity.orgs.models import Organization

from .. import outreach
from ..exports.outreach import ATTENDANCE_EXPORT, COURSE_EXPORT
from ..filters.outreach import AttendanceFilterSet, CourseFilterSet
from ..forms.outreach import AttendanceForm, CourseForm
from ..imports.outreach import AttendanceImportFormat
from ..models import Attendance, Course, Talent
from ..tables.outreach import AttendanceTable, CourseTable
from .events import OutreachDeleteView, OutreachEditView

QUERYSET = Course.objects.select_related("organizer")
ATTENDANCES = Attendance.objects.select_related("course", "organization")
TEMPLATES = "services/training"
ADD_PREFIX = "attendee"


class CourseListView(generic.ObjectListView):
    queryset = QUERYSET
    filterset_class = CourseFilterSet
    table_class = CourseTable
    export_spec = COURSE_EXPORT

    def restricted(self, action: str):
        return super().restricted(action).annotate(attendee_count=Count("attendances"))


class CourseDetailView(generic.ObjectDetailView):
    queryset = QUERYSET
    template_name = f"{TEMPLATES}/course_detail.html"

    def extra_context(self, course) -> dict:
        user = self.request.user
        attendances = (
            Attendance.objects.restrict(user, "view")
            .filter(course=course)
            .select_related("organization")
            .order_by("name", "pk")
        )
        may_record = outreach.may_record_attendees(user, course)
        return {
            "rows": field_rows(
                course,
                "topic",
                "organizer",
                "starts_on",
                "ends_on",
                "place",
                "channel",
                "hours",
                "audience",
                "issues_certificates",
                "description",
            ),
            "attendances": list(attendances),
            "totals": outreach.training_totals(attendances),
            "may_record": may_record,
            "may_change_attendees": may_record and has_perm(user, Attendance, "change"),
            "may_delete_attendees": may_record and has_perm(user, Attendance, "delete"),
            "add_form": AttendanceForm(user=user, course=course, prefix=ADD_PREFIX)
            if may_record
            else None,
            "upload_form": UploadForm() if may_record else None,
            "import_errors": None,
            "attendance_list_url": f"{reverse('services:attendance_list')}?course={course.pk}",
        }


class CourseHistoryView(generic.ObjectHistoryView):
    queryset = QUERYSET


class CourseEditView(OutreachEditView):
    queryset = QUERYSET
    form_class = CourseForm


class CourseDeleteView(OutreachDeleteView):
    queryset = QUERYSET


def _course_page(request, course, status=400, **overrides):
    """The course page again, with a bound form or the import's errors."""
    view = CourseDetailView()
    view.setup(request, pk=course.pk)
    context = view.detail_context(course)
    context.update(overrides)
    return render(request, view.template_name, context, status=status)


def _course(request, pk) -> Course:
    return get_object_or_404(QUERYSET.restrict(request.user, "view"), pk=pk)


@login_required
@require_POST
def attendance_add(request, pk):
    course = _course(request, pk)
    if not outreach.may_record_attendees(request.user, course):
        raise PermissionDenied
    here = course.get_absolute_url()
    if not once.claim(request):
        return once.repeat_response(request, fallback=here)
    form = AttendanceForm(request.POST, user=request.user, course=course, prefix=ADD_PREFIX)
    if form.is_valid():
        data = {
            name: (value.pk if hasattr(value, "pk") else ("" if value is None else value))
            for name, value in form.cleaned_data.items()
        }
        try:
            attendance = outreach.add_attendance(request.user, course, data)
        except ValidationError as exc:
            generic._add_errors(form, exc)
        else:
            once.done(request, here)
            messages.success(request, _("%(name)s added.") % {"name": attendance.name})
            return redirect(here)
    once.release(request)
    messages.error(request, _("Please correct the errors below."))
    return _course_page(request, course, add_form=form)


@login_required
@require_POST
def attendance_import(request, pk):
    """Attendees from a spreadsheet: every row checked, the errors listed with their row
    numbers, and nothing written unless every row is good."""
    course = _course(request, pk)
    if not outreach.may_record_attendees(request.user, course):
        raise PermissionDenied
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _course_page(request, course, upload_form=form)
    upload = form.cleaned_data["file"]
    fmt = AttendanceImportFormat(course=course)
    suffix = Path(upload.name).suffix.lower()[:8]
    with tempfile.TemporaryDirectory(prefix="ipcity-attendees-") as folder:
        stored = Path(folder) / f"upload{suffix}"
        with open(stored, "wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        try:
            with transaction.atomic():
                result = core_imports.validate(fmt, stored, upload.name, request.user)
                if result.file_error or result.errors:
                    raise _Rejected(result)
                summary = fmt.write(result.rows, result.context, request.user, lambda n: None)
        except _Rejected as rejected:
            result = rejected.result
            return _course_page(
                request,
                course,
                upload_form=form,
                import_errors={
                    "file_error": result.file_error,
                    "errors": sorted(result.errors, key=lambda e: e["row"])[:200],
                    "error_rows": result.error_rows,
                    "total": result.total,
                },
            )
        except core_imports.ImportRefused as exc:
            return _course_page(
                request,
                course,
                upload_form=form,
                import_errors={"file_error": str(exc), "errors": [], "error_rows": 0},
            )
    messages.success(request, _("%(n)d attendees imported.") % {"n": summary.get("created", 0)})
    return redirect(course.get_absolute_url())


class _Rejected(Exception):
    def __init__(self, result):
        super().__init__("rejected")
        self.result = result


@login_required
def attendance_edit(request, pk):
    attendance = get_object_or_404(
        Attendance.objects.restrict(request.user, "view").select_related("course"), pk=pk
    )
    course = attendance.course
    if not (
        has_perm(request.user, Attendance, "change")
        and outreach.may_record_attendees(request.user, course)
    ):
        raise PermissionDenied
    form = AttendanceForm(
        request.POST or None, instance=attendance, user=request.user, course=course
    )
    if request.method == "POST" and form.is_valid():
        data = {
            name: (value.pk if hasattr(value, "pk") else ("" if value is None else value))
            for name, value in form.cleaned_data.items()
        }
        try:
            outreach.update_attendance(request.user, attendance, data)
        except ValidationError as exc:
            generic._add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": attendance.name})
            return redirect(course.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        f"{TEMPLATES}/attendance_form.html",
        {"form": form, "object": attendance, "course": course},
        status=status,
    )


@login_required
@require_POST
def attendance_delete(request, pk):
    attendance = get_object_or_404(
        Attendance.objects.restrict(request.user, "view").select_related("course"), pk=pk
    )
    course = attendance.course
    if not outreach.may_record_attendees(request.user, course) or not has_perm(
        request.user, Attendance, "delete"
    ):
        raise PermissionDenied
    outreach.delete_attendance(request.user, attendance)
    messages.success(request, _("%(name)s removed.") % {"name": attendance.name})
    return redirect(course.get_absolute_url())


class AttendanceListView(generic.ObjectListView):
    queryset = ATTENDANCES
    filterset_class = AttendanceFilterSet
    table_class = AttendanceTable
    export_spec = ATTENDANCE_EXPORT
    import_url = reverse_lazy("core:import_upload", args=["services.attendance"])
    template_name = f"{TEMPLATES}/attendance_list.html"

    def extra_context(self) -> dict:
        org = self.request.GET.get("organization", "")
        url = reverse("services:training_by_org", args=[org]) if org.isdigit() else ""
        return {"training_by_org_url": url}


@login_required
def training_by_org(request, org_pk):
    """One organization's training: its people with their courses, hours and certificates,
    over the attendances the reader may view."""
    if not has_perm(request.user, Attendance, "view"):
        raise PermissionDenied
    organization = get_object_or_404(Organization.objects.only("id", "name"), pk=org_pk)
    attendances = (
        Attendance.objects.restrict(request.user, "view")
        .filter(organization=organization)
        .select_related("course")
    )
    visible_org = Organization.objects.restrict(request.user, "view").filter(pk=org_pk).exists()
    if not visible_org and not attendances.exists():
        raise Http404
    people = list(
        attendances.order_by()
        .values("name", "talent_id")
        .annotate(
            courses=Count("pk"),
            hours=Sum("hours"),
            certificates=Count("pk", filter=~Q(certificate_number="")),
        )
        .order_by("name", "talent_id")
    )
    rows = list(attendances.order_by("-course__starts_on", "name", "pk")[:500])
    years = list(
        attendances.order_by()
        .values("course__starts_on__year")
        .annotate(
            n=Count("pk"),
            hours=Sum("hours"),
            certificates=Count("pk", filter=~Q(certificate_number="")),
        )
        .order_by("-course__starts_on__year")
    )
    list_url = reverse("services:attendance_list")
    for row in years:
        row["url"] = f"{list_url}?organization={org_pk}&year={row['course__starts_on__year']}"
    return render(
        request,
        f"{TEMPLATES}/training_by_org.html",
        {
            "organization": organization,
            "people": people,
            "rows": rows,
            "years": years,
            "totals": outreach.training_totals(attendances),
            "list_url": f"{list_url}?organization={org_pk}",
            "links_talent": has_perm(request.user, Talent, "view"),
        },
    )


menu.register(
    "service",
    gettext_lazy("Training courses"),
    "services:course_list",
    "services.view_course",
    order=41,
    icon="mortarboard",
)
menu.register(
    "service",
    gettext_lazy("Training attendances"),
    "services:attendance_list",
    "services.view_attendance",
    order=42,
    icon="person-check",
)

urlpatterns = [
    path("courses/", CourseListView.as_view(), name="course_list"),
    path("courses/add/", CourseEditView.as_view(), name="course_add"),
    path("courses/<int:pk>/", CourseDetailView.as_view(), name="course_detail"),
    path("courses/<int:pk>/edit/", CourseEditView.as_view(), name="course_edit"),
    path("courses/<int:pk>/delete/", CourseDeleteView.as_view(), name="course_delete"),
    path("courses/<int:pk>/history/", CourseHistoryView.as_view(), name="course_history"),
    path("courses/<int:pk>/attendees/add/", attendance_add, name="course_attendance_add"),
    path("courses/<int:pk>/attendees/import/", attendance_import, name="course_attendance_import"),
    path("attendances/", AttendanceListView.as_view(), name="attendance_list"),
    path("attendances/<int:pk>/edit/", attendance_edit, name="attendance_edit"),
    path("attendances/<int:pk>/delete/", attendance_delete, name="attendance_delete"),
    path("training/organizations/<int:org_pk>/", training_by_org, name="training_by_org"),
]

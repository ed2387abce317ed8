"""Progress report pages: list, detail, create and edit, submit, accept or return, attachments."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ipcity.core import menu
from ipcity.core.scope import has_perm
from ipcity.core.views import generic

from .. import actions
from ..filters import ProgressReportFilterSet
from ..forms import AttachmentForm, ProgressReportForm, ReviewForm
from ..models import ProgressReport, ReportAttachment
from ..tables import REPORT_BADGE, ProgressReportTable
from .tasks import get_task

REPORT_QUERYSET = ProgressReport.objects.select_related(
    "task__plan", "organization", "submitted_by", "reviewed_by"
)


class ReportListView(generic.ObjectListView):
    queryset = REPORT_QUERYSET
    filterset_class = ProgressReportFilterSet
    table_class = ProgressReportTable
    template_name = "plans/report_list.html"

    def list_url(self):
        from django.urls import reverse

        return reverse("plans:report_list")

    def add_url(self):
        return ""


def get_report(request, pk, action: str = "view") -> ProgressReport:
    """The report in the view scope (else 404), then in the `action` scope (else 403)."""
    report = get_object_or_404(REPORT_QUERYSET.restrict(request.user, "view"), pk=pk)
    if (
        action != "view"
        and not ProgressReport.objects.restrict(request.user, action).filter(pk=report.pk).exists()
    ):
        raise PermissionDenied
    return report


def _detail_context(request, report) -> dict:
    user = request.user
    can_change = ProgressReport.objects.restrict(user, "change").filter(pk=report.pk).exists()
    editable = report.status in ("draft", "returned")
    return {
        "report": report,
        "object": report,
        "task": report.task,
        "badge": REPORT_BADGE.get(report.status, ""),
        "attachments": report.attachments.order_by("uploaded_at"),
        "can_edit": can_change and editable,
        "can_submit": can_change and editable,
        "can_review": report.status == "submitted" and actions.can_review(user, report),
        "review_form": ReviewForm(),
        "attachment_form": AttachmentForm(),
        "max_mb": actions.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "history": report.history.select_related("history_user").order_by("-history_date")[:20],
    }


@login_required
def report_detail(request, pk):
    report = get_report(request, pk)
    return render(request, "plans/report_detail.html", _detail_context(request, report))


def _form_response(request, form, task, report=None, status=200):
    return render(
        request,
        "plans/report_form.html",
        {"form": form, "task": task, "report": report, "is_new": report is None},
        status=status,
    )


@login_required
def report_create(request, task_pk):
    """A unit opens a report on one of its tasks, for a period of the plan's frequency."""
    task = get_task(request, task_pk)
    if not has_perm(request.user, ProgressReport, "add"):
        raise PermissionDenied
    organizations = actions.reporting_units(request.user, task)
    if not organizations.exists():
        raise PermissionDenied(_("None of your units is assigned to this task."))
    periods = actions.recent_periods(task.plan.report_frequency, count=12)
    form = ProgressReportForm(
        request.POST or None,
        organizations=organizations,
        periods=periods,
        instance=ProgressReport(task=task),
    )
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "figures": form.cleaned_data["figures_text"]}
        try:
            report = actions.create_report(request.user, task, data)
        except ValidationError as exc:
            generic._add_errors(form, exc)
        else:
            messages.success(request, _("Report saved as a draft. Submit it when it is ready."))
            return redirect(report)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below."))
    return _form_response(request, form, task, status=400 if form.errors else 200)


@login_required
def report_edit(request, pk):
    report = get_report(request, pk, "change")
    form = ProgressReportForm(request.POST or None, instance=report)
    if request.method == "POST" and form.is_valid():
        data = {"text": form.cleaned_data["text"], "figures": form.cleaned_data["figures_text"]}
        try:
            actions.update_report(request.user, report, data)
        except ValidationError as exc:
            generic._add_errors(form, exc)
        else:
            messages.success(request, _("Report saved."))
            return redirect(report)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below."))
    return _form_response(request, form, report.task, report, status=400 if form.errors else 200)


def _run(request, report, func, success: str, *args):
    try:
        func(request.user, report, *args)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect(report)


@login_required
@require_POST
def report_submit(request, pk):
    report = get_report(request, pk, "change")
    return _run(request, report, actions.submit_report, _("Report submitted."))


def _review(request, pk, func, success):
    report = get_report(request, pk, "change")
    if not actions.can_review(request.user, report):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    return _run(request, report, func, success, comment)


@login_required
@require_POST
def report_accept(request, pk):
    return _review(request, pk, actions.accept_report, _("Report accepted."))


@login_required
@require_POST
def report_return(request, pk):
    return _review(request, pk, actions.return_report, _("Report returned for revision."))


@login_required
@require_POST
def attachment_add(request, pk):
    report = get_report(request, pk, "change")
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
        return redirect(report)
    return _run(
        request, report, actions.add_attachment, _("File attached."), form.cleaned_data["file"]
    )


def _attachment(request, pk, action="view") -> ReportAttachment:
    attachment = get_object_or_404(ReportAttachment.objects.select_related("report"), pk=pk)
    # The file is only as visible as its report: out of scope is a 404 like the report itself.
    get_report(request, attachment.report_id, action)
    return attachment


@login_required
def attachment_download(request, pk):
    attachment = _attachment(request, pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    # Always a download, never rendered inline: uploaded HTML or SVG must not run in our origin.
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type="application/octet-stream",
    )


@login_required
@require_POST
def attachment_remove(request, pk):
    attachment = _attachment(request, pk, "change")
    report = attachment.report
    try:
        actions.remove_attachment(request.user, attachment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("File removed."))
    return redirect(report)


menu.register(
    "plan",
    gettext_lazy("Progress reports"),
    "plans:report_list",
    "plans.view_progressreport",
    30,
    "journal-text",
)

urlpatterns = [
    path("reports/", ReportListView.as_view(), name="report_list"),
    path("reports/<int:pk>/", report_detail, name="report_detail"),
    path("tasks/<int:task_pk>/reports/add/", report_create, name="report_create"),
    path("reports/<int:pk>/edit/", report_edit, name="report_edit"),
    path("reports/<int:pk>/submit/", report_submit, name="report_submit"),
    path("reports/<int:pk>/accept/", report_accept, name="report_accept"),
    path("reports/<int:pk>/return/", report_return, name="report_return"),
    path("reports/<int:pk>/attachments/", attachment_add, name="report_attachment_add"),
    path("report-attachments/<int:pk>/", attachment_download, name="report_attachment_download"),
    path(
        "report-attachments/<int:pk>/remove/",
        attachment_remove,
        name="report_attachment_remove",
    ),
]

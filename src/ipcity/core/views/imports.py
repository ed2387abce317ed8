"""Import pages: upload a file, watch it being checked, read the preview, start the import.

The upload is private to the person who made it; the format names the permissions it needs.
"""

import secrets
from io import BytesIO
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import jobs as jobs_api
from ..exports import sheet_title
from ..imports import RESULT_LABELS, get_format, start_commit, start_validation
from ..models import ImportBatch, JobStatus

ERRORS_PER_PAGE = 100
SAFE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls")


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (xlsx, xls or csv)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IPCITY_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s; at most %(max)s can be uploaded.")
                % {"size": filesizeformat(upload.size), "max": filesizeformat(limit)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


def _format_for(request, format_key):
    fmt = get_format(format_key)
    if fmt is None:
        raise Http404
    if not fmt.allowed(request.user):
        raise PermissionDenied
    return fmt


def _store(upload) -> tuple[str, int]:
    """Save under MEDIA_ROOT/imports/ with a random name: the user's file name is never a path."""
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(upload.name).suffix.lower()
    name = secrets.token_hex(16) + (suffix if suffix in SAFE_SUFFIXES else ".bin")
    size = 0
    with open(folder / name, "wb") as fh:
        for chunk in upload.chunks():
            size += len(chunk)
            fh.write(chunk)
    return f"imports/{name}", size


@login_required
def import_upload(request, format_key):
    fmt = _format_for(request, format_key)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        stored, size = _store(upload)
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                format_key=fmt.key,
                original_name=Path(upload.name).name[:255],
                stored_file=stored,
                size=size,
                created_by=request.user,
            )
            start_validation(batch, request.user)
        return redirect("core:import_batch", pk=batch.pk)
    recent = (
        ImportBatch.objects.restrict(request.user, "view")
        .filter(format_key=fmt.key)
        .select_related("validate_job", "commit_job")[:10]
    )
    return render(
        request,
        "core/imports/upload.html",
        {
            "fmt": fmt,
            "form": form,
            "recent": recent,
            "max_bytes": settings.IPCITY_UPLOAD_MAX_BYTES,
        },
    )


@login_required
def import_template(request, format_key):
    """An empty workbook with the format's headers, to fill in."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    fmt = _format_for(request, format_key)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(fmt.title, "import")
    sheet.append([c.label for c in fmt.columns])
    for cell, column in zip(sheet[1], fmt.columns, strict=True):
        cell.font = Font(bold=column.required)
        sheet.column_dimensions[cell.column_letter].width = max(12, len(column.label) * 3)
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="import-template.xlsx"'
    return response


def _state(batch: ImportBatch) -> str:
    validate_job, commit_job = batch.validate_job, batch.commit_job
    if validate_job is None or not validate_job.is_finished:
        return "validating"
    if validate_job.status != JobStatus.SUCCEEDED:
        return "validation_failed"
    if batch.report.get("file_error"):
        return "unreadable"
    if batch.committed_at:
        return "committed"
    if commit_job is not None and not commit_job.is_finished:
        return "committing"
    return "validated"


@login_required
def import_batch(request, pk):
    batch = get_object_or_404(
        ImportBatch.objects.restrict(request.user, "view").select_related(
            "validate_job", "commit_job"
        ),
        pk=pk,
    )
    fmt = get_format(batch.format_key)
    if fmt is None:
        raise Http404
    state = _state(batch)
    report = batch.report or {}
    running = batch.commit_job if state == "committing" else batch.validate_job
    errors = Paginator(report.get("errors", []), ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    commit_job = batch.commit_job
    result_rows = []
    if commit_job is not None and commit_job.status == JobStatus.SUCCEEDED:
        result_rows = [
            (RESULT_LABELS[k], v) for k, v in commit_job.result.items() if k in RESULT_LABELS
        ]
    return render(
        request,
        "core/imports/batch.html",
        {
            "batch": batch,
            "fmt": fmt,
            "state": state,
            "report": report,
            "errors": errors,
            "warnings": report.get("warnings", [])[:ERRORS_PER_PAGE],
            "running": running,
            "progress": jobs_api.live_progress(running) if running else None,
            "commit_job": commit_job,
            "result_rows": result_rows,
            "may_commit": state == "validated" and report.get("valid", 0) > 0,
        },
    )


@require_POST
@login_required
def import_commit(request, pk):
    with transaction.atomic():
        batch = get_object_or_404(
            ImportBatch.objects.restrict(request.user, "change")
            .select_for_update(of=("self",))
            .select_related("validate_job", "commit_job"),
            pk=pk,
        )
        fmt = get_format(batch.format_key)
        if fmt is None:
            raise Http404
        if not fmt.allowed(request.user):
            raise PermissionDenied
        state = _state(batch)
        only_valid = request.POST.get("only_valid") == "1"
        report = batch.report or {}
        if state != "validated" or not report.get("valid"):
            messages.error(request, _("This file cannot be imported now."))
        elif report.get("error_rows") and not only_valid:
            messages.error(
                request,
                _(
                    "The file has rows with errors. Fix them and upload it again, or tick "
                    "“import only the valid rows”."
                ),
            )
        else:
            start_commit(batch, request.user, only_valid)
    return redirect("core:import_batch", pk=batch.pk)


urlpatterns = [
    path("imports/batch/<uuid:pk>/", import_batch, name="import_batch"),
    path("imports/batch/<uuid:pk>/commit/", import_commit, name="import_commit"),
    path("imports/new/<str:format_key>/", import_upload, name="import_upload"),
    path("imports/new/<str:format_key>/template.xlsx", import_template, name="import_template"),
]

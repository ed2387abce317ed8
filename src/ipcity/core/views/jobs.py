"""Background jobs: the list of one's jobs, a live progress page, cancel, re-run and download.

A job belongs to whoever started it. Holders of core.view_job (office and system administrators)
see everyone's jobs; acting on someone else's job needs core.change_job. A job outside a user's
reach answers 404.
"""

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import jobs as jobs_api
from ..imports import RESULT_LABELS
from ..menu import register as register_menu
from ..models import ImportBatch, Job, JobStatus
from ..scope import has_perm

RERUNNABLE = (JobStatus.INTERRUPTED, JobStatus.FAILED, JobStatus.CANCELLED)

register_menu("system", gettext_lazy("Background jobs"), "core:job_list", None, order=80)


def visible_jobs(user):
    """The jobs `user` may see: their own, or all of them with core.view_job."""
    qs = Job.objects.select_related("created_by")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if has_perm(user, Job, "view"):
        return qs
    return qs.filter(created_by=user)


def may_act_on(user, job: Job) -> bool:
    return job.created_by_id == user.pk or has_perm(user, Job, "change")


def _get(request, pk) -> Job:
    return get_object_or_404(visible_jobs(request.user), pk=pk)


@login_required
def job_list(request):
    qs = visible_jobs(request.user).defer("log", "result", "params")
    status = request.GET.get("status", "")
    if status in JobStatus.values:
        qs = qs.filter(status=status)
    mine = request.GET.get("mine") == "1"
    if mine:
        qs = qs.filter(created_by=request.user)
    page = Paginator(qs, settings.IPCITY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "core/jobs/list.html",
        {
            "page": page,
            "status": status,
            "statuses": JobStatus.choices,
            "mine": mine,
            "sees_all": has_perm(request.user, Job, "view"),
        },
    )


def _result_rows(job: Job) -> list[tuple[str, object]]:
    if job.status != JobStatus.SUCCEEDED or not isinstance(job.result, dict):
        return []
    return [(RESULT_LABELS[k], v) for k, v in job.result.items() if k in RESULT_LABELS]


def _batch_for(user, job: Job):
    """The import behind an import job, when the user may open it (only its uploader may)."""
    batch_id = (job.params or {}).get("batch")
    if not batch_id or not job.kind.startswith("core.import_"):
        return None
    return ImportBatch.objects.restrict(user, "view").filter(pk=batch_id).first()


@login_required
def job_detail(request, pk):
    job = _get(request, pk)
    batch = _batch_for(request.user, job)
    return render(
        request,
        "core/jobs/detail.html",
        {
            "job": job,
            "progress": jobs_api.live_progress(job),
            "result_rows": _result_rows(job),
            "may_act": may_act_on(request.user, job),
            "may_rerun": job.status in RERUNNABLE,
            "batch": batch,
        },
    )


@login_required
def job_progress(request, pk):
    """The progress fragment the detail page polls; once the job has finished, an HTMX poll is
    told to reload the page so the log and result appear."""
    job = _get(request, pk)
    response = render(
        request,
        "core/jobs/_progress.html",
        {"job": job, "progress": jobs_api.live_progress(job)},
    )
    if job.is_finished and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@require_POST
@login_required
def job_cancel(request, pk):
    job = _get(request, pk)
    if not may_act_on(request.user, job):
        raise PermissionDenied
    if job.is_finished:
        messages.info(request, _("This job has already finished."))
    else:
        jobs_api.request_cancel(job)
        messages.success(request, _("Cancellation requested. Nothing the job started is kept."))
    return redirect("core:job_detail", pk=job.pk)


@require_POST
@login_required
def job_rerun(request, pk):
    job = _get(request, pk)
    if not may_act_on(request.user, job):
        raise PermissionDenied
    if job.status not in RERUNNABLE:
        messages.error(request, _("Only an interrupted, failed or cancelled job can be run again."))
    else:
        jobs_api.rerun(job)
        messages.success(request, _("The job is queued again."))
    return redirect("core:job_detail", pk=job.pk)


@login_required
def job_download(request, pk):
    job = _get(request, pk)
    # A result file holds what its creator could see; seeing the job row is not enough.
    if not job.result_file or not (
        request.user.is_superuser or job.created_by_id == request.user.pk
    ):
        raise Http404
    root = Path(settings.MEDIA_ROOT).resolve()
    file_path = (root / job.result_file).resolve()
    if not file_path.is_relative_to(root) or not file_path.is_file():
        raise Http404
    return FileResponse(
        open(file_path, "rb"),  # FileResponse closes it
        as_attachment=True,
        filename=job.result_name or file_path.name,
    )


urlpatterns = [
    path("jobs/", job_list, name="job_list"),
    path("jobs/<uuid:pk>/", job_detail, name="job_detail"),
    path("jobs/<uuid:pk>/progress/", job_progress, name="job_progress"),
    path("jobs/<uuid:pk>/cancel/", job_cancel, name="job_cancel"),
    path("jobs/<uuid:pk>/rerun/", job_rerun, name="job_rerun"),
    path("jobs/<uuid:pk>/download/", job_download, name="job_download"),
]

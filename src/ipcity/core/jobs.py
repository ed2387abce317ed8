"""Background jobs: a row per job, a registry of handlers, and the runner the worker calls.

A handler is a function `handler(job, ctx)` registered under a kind with `@job_handler(kind)`.
It reports progress with `ctx.progress(done, total)`, which also raises `JobCancelled` once the
user has asked to cancel, writes lines with `ctx.log(...)`, and may attach a file with
`ctx.attach(path, name)`. What it returns is stored as the job's JSON result.

Progress and the cancel flag go through Django's cache (a file cache under var/ by default,
Redis when configured): a handler often holds one long transaction for all-or-nothing writes,
and other connections could not see progress written to the row until it commits.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Job, JobStatus

logger = logging.getLogger(__name__)

HANDLERS: dict[str, Callable] = {}
HEARTBEAT_STALE_AFTER = timedelta(seconds=90)


class JobCancelled(Exception):
    pass


def job_handler(kind: str):
    def register(func):
        HANDLERS[kind] = func
        return func

    return register


def _progress_key(job_id) -> str:
    return f"ipcity:job:{job_id}:progress"


def _cancel_key(job_id) -> str:
    return f"ipcity:job:{job_id}:cancel"


def jobs_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def submit(kind: str, title: str, user=None, params: dict | None = None) -> Job:
    """Create a job row and queue it once the surrounding transaction commits."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job.objects.create(kind=kind, title=title, params=params or {}, created_by=user)
    transaction.on_commit(lambda: _enqueue(job))
    return job


def _enqueue(job: Job) -> None:
    from .tasks import run_job

    run_job.enqueue(str(job.pk))


def rerun(job: Job) -> Job:
    """Queue an interrupted, failed or cancelled job again from the start."""
    job.status = JobStatus.QUEUED
    job.progress_done = job.progress_total = 0
    job.message = ""
    job.result = {}
    job.finished_at = None
    job.log += _("— queued again —") + "\n"
    job.save()
    cache.delete(_cancel_key(job.pk))
    cache.delete(_progress_key(job.pk))
    transaction.on_commit(lambda: _enqueue(job))
    return job


def request_cancel(job: Job) -> None:
    cache.set(_cancel_key(job.pk), True, timeout=24 * 3600)
    if job.status == JobStatus.QUEUED:
        Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.CANCELLED, finished_at=timezone.now()
        )


def live_progress(job: Job) -> dict:
    """What the progress bar shows: the cache while running, the row once finished."""
    data = None
    if job.status == JobStatus.RUNNING:
        data = cache.get(_progress_key(job.pk))
    if not data:
        data = {"done": job.progress_done, "total": job.progress_total, "message": job.message}
    total = data.get("total") or 0
    data["percent"] = (
        100
        if job.is_finished and job.status == JobStatus.SUCCEEDED
        else (int(data["done"] * 100 / total) if total else 0)
    )
    return data


class JobContext:
    """Handed to a handler: progress, log, cancellation and the result file."""

    CHECK_EVERY = 0.5  # seconds between cache writes and cancel checks

    def __init__(self, job: Job):
        self.job = job
        self._last = 0.0
        self._lines: list[str] = []
        self.done = 0
        self.total = 0
        self.message = ""

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        if message is not None:
            self.message = message
        now = time.monotonic()
        if now - self._last < self.CHECK_EVERY and done != self.total:
            return
        self._last = now
        cache.set(
            _progress_key(self.job.pk),
            {
                "done": self.done,
                "total": self.total,
                "message": self.message,
                "log": "\n".join(self._lines[-20:]),
            },
            timeout=24 * 3600,
        )
        self.check_cancelled()

    def check_cancelled(self) -> None:
        if cache.get(_cancel_key(self.job.pk)):
            raise JobCancelled

    def log(self, line: str) -> None:
        self._lines.append(f"{timezone.localtime():%H:%M:%S} {line}")

    def attach(self, path: Path, name: str) -> None:
        self.job.result_file = str(Path(path).relative_to(settings.MEDIA_ROOT))
        self.job.result_name = name

    @property
    def log_text(self) -> str:
        return "\n".join(self._lines) + ("\n" if self._lines else "")


def run(job_id: str) -> None:
    """Run one job to its end. Called by the worker through core.tasks.run_job."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.status not in (JobStatus.QUEUED, JobStatus.INTERRUPTED):
        return
    if cache.get(_cancel_key(job.pk)):
        Job.objects.filter(pk=job.pk).update(status=JobStatus.CANCELLED, finished_at=timezone.now())
        return
    now = timezone.now()
    job.status = JobStatus.RUNNING
    job.started_at = job.heartbeat_at = now
    job.attempts += 1
    job.save(update_fields=["status", "started_at", "heartbeat_at", "attempts"])
    ctx = JobContext(job)
    handler = HANDLERS[job.kind]
    try:
        result = handler(job, ctx)
        job.status = JobStatus.SUCCEEDED
        job.result = result or {}
        job.progress_done = ctx.done if ctx.total else 1
        job.progress_total = ctx.total or 1
        ctx.log(_("Finished."))
    except JobCancelled:
        job.status = JobStatus.CANCELLED
        job.progress_done, job.progress_total = ctx.done, ctx.total
        ctx.log(_("Cancelled by the user; nothing was written."))
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        job.status = JobStatus.FAILED
        job.progress_done, job.progress_total = ctx.done, ctx.total
        job.message = str(exc)[:500] or exc.__class__.__name__
        ctx.log(_("Failed: %(error)s") % {"error": job.message})
        job.result = {"error": job.message, "trace": traceback.format_exc()[-4000:]}
    job.message = job.message or ctx.message
    job.finished_at = timezone.now()
    job.log += ctx.log_text
    job.save()
    cache.delete(_progress_key(job.pk))
    _notify_finished(job)


def _notify_finished(job: Job) -> None:
    if job.created_by_id is None:
        return
    from .notifications import notify

    # A job that ran to its end but found problems (say, a file missing a column) says so
    # through `result["notice"]` rather than a bare "succeeded".
    notice = (job.result or {}).get("notice") if job.status == JobStatus.SUCCEEDED else None
    status = notice or job.get_status_display()
    notify(
        job.created_by,
        _("%(title)s: %(status)s") % {"title": job.title, "status": status},
        link=job_url(job),
    )


def job_url(job: Job) -> str:
    from django.urls import reverse

    return reverse("core:job_detail", args=[job.pk])


def mark_interrupted(stale_after: timedelta | None = None) -> int:
    """Mark running jobs whose worker is gone as interrupted; they can then be re-run.

    Called when a worker starts: with `stale_after=None` every running job is interrupted (the
    single-worker default); with several workers pass a heartbeat age.
    """
    qs = Job.objects.filter(status=JobStatus.RUNNING)
    if stale_after is not None:
        # A running job's heartbeat lives in the cache (its row may sit in an open transaction).
        cutoff = timezone.now() - stale_after
        stale = []
        for job in qs.only("pk", "heartbeat_at"):
            beat = (cache.get(_progress_key(job.pk)) or {}).get("heartbeat")
            last = datetime.fromtimestamp(beat, tz=UTC) if beat else job.heartbeat_at
            if last is None or last < cutoff:
                stale.append(job.pk)
        qs = qs.filter(pk__in=stale)
    return qs.update(
        status=JobStatus.INTERRUPTED,
        message=_("The worker stopped while this job ran; nothing it started was kept."),
        finished_at=timezone.now(),
    )

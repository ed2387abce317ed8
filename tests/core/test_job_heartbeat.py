import time
from datetime import timedelta

from django.core.cache import cache

from ipcity.core import jobs
from ipcity.core.models import Job, JobStatus


def running_job(beat_seconds_ago: float) -> Job:
    job = Job.objects.create(kind="core.export", title="t", status=JobStatus.RUNNING)
    cache.set(
        jobs._progress_key(job.pk),
        {"done": 1, "total": 2, "heartbeat": time.time() - beat_seconds_ago},
    )
    return job


def test_a_worker_start_with_stale_after_spares_jobs_that_still_beat(db):
    alive, dead = running_job(5), running_job(600)
    assert jobs.mark_interrupted(stale_after=timedelta(seconds=90)) == 1
    alive.refresh_from_db()
    dead.refresh_from_db()
    assert alive.status == JobStatus.RUNNING
    assert dead.status == JobStatus.INTERRUPTED


def test_a_worker_start_without_stale_after_interrupts_every_running_job(db):
    running_job(5)
    assert jobs.mark_interrupted() == 1
    assert Job.objects.get().status == JobStatus.INTERRUPTED

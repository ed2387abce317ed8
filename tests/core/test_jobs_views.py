"""The background-jobs pages: list, live progress, cancel, re-run and download."""

import pytest
from django.urls import reverse

from ipcity.core import jobs
from ipcity.core.models import Job, JobStatus


@jobs.job_handler("tests.flaky")
def flaky(job, ctx):
    if job.attempts == 1:
        raise RuntimeError("the first attempt fails")
    ctx.progress(3, 3)
    return {"rows": 3}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_job(user, status=JobStatus.SUCCEEDED, kind="tests.flaky", **fields):
    return Job.objects.create(
        kind=kind, title=f"{user}'s job", created_by=user, status=status, **fields
    )


def url(name, job):
    return reverse(f"core:{name}", args=[job.pk])


def test_a_user_sees_only_their_own_jobs(world, login):
    mine, theirs = make_job(world.erin), make_job(world.alice)
    page = login(world.erin).get(reverse("core:job_list"))
    assert list(page.context["page"]) == [mine]
    assert theirs.title not in page.content.decode()


def test_an_office_admin_sees_everyones_jobs(world, login):
    make_job(world.erin), make_job(world.alice)
    page = login(world.alice).get(reverse("core:job_list"))
    assert len(page.context["page"]) == 2
    mine_only = login(world.alice).get(reverse("core:job_list"), {"mine": "1"})
    assert [j.created_by for j in mine_only.context["page"]] == [world.alice]


def test_the_job_list_runs_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    for _ in range(30):
        make_job(world.erin)
    client = login(world.alice)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("core:job_list")).status_code == 200


def test_the_job_list_filters_by_status(world, login):
    make_job(world.erin), make_job(world.erin, JobStatus.FAILED)
    page = login(world.erin).get(reverse("core:job_list"), {"status": "failed"})
    assert [j.status for j in page.context["page"]] == ["failed"]


def test_the_menu_offers_background_jobs_to_every_signed_in_user(world, login):
    page = login(world.charlie).get(reverse("core:job_list"))
    items = [i.url_name for s in page.context["menu"] for i in s["items"]]
    assert "core:job_list" in items


def test_the_detail_page_is_for_the_owner_and_job_viewers(world, login):
    job = make_job(world.erin, result={"rows": 3}, log="12:00:00 Finished.\n")
    page = login(world.erin).get(url("job_detail", job))
    assert page.status_code == 200
    assert "Finished." in page.content.decode()
    assert login(world.alice).get(url("job_detail", job)).status_code == 200
    for stranger in (world.leo, world.charlie):
        assert login(stranger).get(url("job_detail", job)).status_code == 404


def test_a_failed_job_shows_its_message_but_no_stack_trace(world, login):
    job = make_job(
        world.erin,
        JobStatus.FAILED,
        message="the first attempt fails",
        result={"error": "x", "trace": "Traceback (most recent call last)"},
    )
    page = login(world.erin).get(url("job_detail", job)).content.decode()
    assert "the first attempt fails" in page
    assert "Traceback" not in page


def test_a_running_job_polls_its_progress_fragment(world, login):
    job = make_job(world.erin, JobStatus.RUNNING, progress_done=4, progress_total=10)
    client = login(world.erin)
    detail = client.get(url("job_detail", job)).content.decode()
    assert f'hx-get="{url("job_progress", job)}"' in detail
    assert 'hx-trigger="every 1s"' in detail
    fragment = client.get(url("job_progress", job), HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode()
    assert "40%" in fragment.content.decode()
    assert "HX-Refresh" not in fragment


def test_the_progress_fragment_reloads_the_page_once_the_job_has_finished(world, login):
    job = make_job(world.erin)
    response = login(world.erin).get(url("job_progress", job), HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    assert "hx-trigger" not in response.content.decode()
    assert login(world.charlie).get(url("job_progress", job)).status_code == 404


def test_the_owner_cancels_a_queued_job(world, login):
    job = make_job(world.erin, JobStatus.QUEUED)
    assert login(world.charlie).post(url("job_cancel", job)).status_code == 404
    # Seeing everyone's jobs is not the right to stop them.
    assert login(world.alice).post(url("job_cancel", job)).status_code == 403
    assert login(world.erin).get(url("job_cancel", job)).status_code == 405
    assert login(world.erin).post(url("job_cancel", job)).status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED


def test_a_failed_job_is_run_again(world, login, django_capture_on_commit_callbacks):
    job = make_job(world.erin, JobStatus.FAILED, attempts=1)
    assert login(world.charlie).post(url("job_rerun", job)).status_code == 404
    assert login(world.alice).post(url("job_rerun", job)).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert login(world.erin).post(url("job_rerun", job)).status_code == 302
    job.refresh_from_db()
    assert (job.status, job.result) == (JobStatus.SUCCEEDED, {"rows": 3})
    page = login(world.erin).get(url("job_detail", job)).content.decode()
    assert "queued again" in page


def test_a_succeeded_job_is_not_run_again(world, login):
    job = make_job(world.erin, JobStatus.SUCCEEDED)
    login(world.erin).post(url("job_rerun", job))
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_the_result_file_downloads_as_an_attachment_for_its_creator_only(world, login, media):
    folder = jobs.jobs_dir()
    (folder / "result.csv").write_text("a,b\n", encoding="utf-8")
    job = make_job(world.erin, result_file="jobs/result.csv", result_name="结果.csv")
    response = login(world.erin).get(url("job_download", job))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"a,b\n"
    # alice may see every job, but a result file holds what erin could see: not hers to read.
    assert login(world.alice).get(url("job_detail", job)).status_code == 200
    for stranger in (world.alice, world.leo, world.charlie):
        assert login(stranger).get(url("job_download", job)).status_code == 404


def test_a_download_never_leaves_the_media_folder(world, login, media, tmp_path):
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    job = make_job(world.erin, result_file="../secret.txt", result_name="x.txt")
    assert login(world.erin).get(url("job_download", job)).status_code == 404
    nothing = make_job(world.erin)
    assert login(world.erin).get(url("job_download", nothing)).status_code == 404


def test_job_pages_need_a_signed_in_user(world, client):
    job = make_job(world.erin)
    for name in ("job_detail", "job_progress", "job_download"):
        assert client.get(url(name, job)).status_code == 302
    assert client.get(reverse("core:job_list")).status_code == 302

"""Importing a patent export through the import pages: preview, all-or-nothing commit job."""

import pytest
from django.urls import reverse

from ipcity.core.models import ImportBatch, JobStatus
from ipcity.rights.models import Patent

from .exports import number, record, write

FORMAT = "rights.patent"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def upload(login, django_capture_on_commit_callbacks):
    def _upload(user, path):
        client = login(user)
        with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as fh:
            response = client.post(reverse("core:import_upload", args=[FORMAT]), {"file": fh})
        assert response.status_code == 302, response.content[:500]
        return client, ImportBatch.objects.latest("created_at")

    return _upload


def commit(client, batch, capture, only_valid=False):
    with capture(execute=True):
        response = client.post(
            reverse("core:import_commit", args=[batch.pk]),
            {"only_valid": "1"} if only_valid else {},
        )
    assert response.status_code == 302
    batch.refresh_from_db()
    return batch.commit_job


def test_the_upload_page_is_there_for_the_office(world, login):
    response = login(world.alice).get(reverse("core:import_upload", args=[FORMAT]))
    assert response.status_code == 200
    assert "CNIPA" in response.content.decode()


def test_read_only_and_stranger_may_not_import(world, login):
    url = reverse("core:import_upload", args=[FORMAT])
    assert login(world.leo).get(url).status_code == 403
    assert login(world.charlie).get(url).status_code == 403


def test_preview_shows_row_errors_and_commit_writes_all_or_nothing(
    world, upload, tmp_path, django_capture_on_commit_callbacks
):
    path = write(
        tmp_path / "x.xlsx",
        "incopat",
        [
            record(1, district="通州区", city="北京市"),
            record(2, number="bad"),
            record(3, applicants="某外地公司"),
        ],
    )
    client, batch = upload(world.alice, path)
    report = batch.report
    assert (report["total"], report["valid"], report["error_rows"]) == (3, 2, 1)
    assert report["errors"][0]["row"] == 3
    page = client.get(reverse("core:import_batch", args=[batch.pk])).content.decode()
    assert "not a CNIPA application number" in page
    assert Patent.objects.count() == 0

    # Without "only valid rows" the page refuses; with it the two good rows are written.
    commit(client, batch, django_capture_on_commit_callbacks)
    assert batch.commit_job is None and Patent.objects.count() == 0
    job = commit(client, batch, django_capture_on_commit_callbacks, only_valid=True)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.result["created"], job.result["skipped"], job.result["in_district"]) == (2, 1, 1)
    assert Patent.objects.get(application_number=number(1)).attribution == "in_district"
    assert Patent.objects.get(application_number=number(1)).history.latest().history_user == (
        world.alice
    )


def test_a_file_that_turns_bad_before_commit_writes_nothing(
    world, upload, tmp_path, django_capture_on_commit_callbacks
):
    path = write(tmp_path / "y.csv", "cnipa", [record(i) for i in range(1, 6)])
    client, batch = upload(world.alice, path)
    assert batch.report["valid"] == 5
    # The stored file is replaced by one with a bad last row: the commit re-checks and refuses.
    from ipcity.core.imports import batch_path

    write(batch_path(batch), "cnipa", [*[record(i) for i in range(1, 5)], record(5, number="x")])
    job = commit(client, batch, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.FAILED
    assert "nothing was written" in job.message
    assert Patent.objects.count() == 0

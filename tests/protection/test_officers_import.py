"""Importing officers from a real workbook (written here with openpyxl) through the upload
pages: good rows create or update, bad rows are reported with their row number and reason, and
a file with an error writes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from ipcity.core.models import ImportBatch, JobStatus
from ipcity.protection import officers
from ipcity.protection.models import Officer

pytestmark = pytest.mark.django_db

KEY = "protection.officer"
HEADER = ["姓名", "执法机构", "执法证号", "发证日期", "有效期至", "培训学时", "状态"]


def write_xlsx(path, rows, header=HEADER):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture(autouse=True)
def media(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(officers, "current_date", lambda: datetime.date(2026, 3, 2))


@pytest.fixture
def upload(login, django_capture_on_commit_callbacks):
    def _upload(user, path):
        client = login(user)
        with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as fh:
            response = client.post(reverse("core:import_upload", args=[KEY]), {"file": fh})
        assert response.status_code == 302, response.content[:500]
        return ImportBatch.objects.latest("created_at")

    return _upload


@pytest.fixture
def commit(client, django_capture_on_commit_callbacks):
    def _commit(batch, only_valid=False):
        data = {"only_valid": "1"} if only_valid else {}
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("core:import_commit", args=[batch.pk]), data)
        batch.refresh_from_db()
        return batch.commit_job

    return _commit


def test_a_good_file_creates_and_updates_officers(pworld, upload, commit, tmp_path):
    p = pworld
    p.amr.uscc = "11110112MB0000001X"
    p.amr.save()
    rows = [
        ["赵一", p.amr.name, "IMP-001", "2024-01-01", "2029-12-31", 24, "在岗"],
        ["钱二", "11110112MB0000001X", "IMP-002", datetime.date(2025, 3, 1), "2030-02-28", "", ""],
        ["mia", p.amr.name, "11000001", "2020-01-01", "2031-12-31", "16.5", ""],
    ]
    batch = upload(p.hank, write_xlsx(tmp_path / "o.xlsx", rows))
    assert batch.report["valid"] == 3 and batch.report["error_rows"] == 0, batch.report
    job = commit(batch)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.result["created"], job.result["updated"]) == (2, 1)
    one = Officer.objects.get(certificate_number="IMP-001")
    assert (one.organization, one.valid_until, one.training_hours) == (
        p.amr,
        datetime.date(2029, 12, 31),
        Decimal("24.0"),
    )
    assert one.trainings.get().hours == Decimal("24.0")  # the hours stay the sum of trainings
    assert Officer.objects.get(certificate_number="IMP-002").training_hours == 0
    mia = Officer.objects.get(pk=p.mia_officer.pk)
    assert mia.valid_until == datetime.date(2031, 12, 31) and mia.user == p.mia
    assert mia.training_hours == Decimal("16.5") == officers.training_sum(mia.pk)
    assert one.history.latest().history_user == p.hank


def test_bad_rows_are_reported_and_nothing_is_written(pworld, upload, commit, tmp_path):
    p = pworld
    officers.add_training(
        p.hank, p.hank_officer, {"course": "c", "attended_on": "2025-01-01", "hours": "30"}
    )
    rows = [
        ["好人", p.amr.name, "OK-1", "2024-01-01", "2029-12-31", "", ""],  # row 2
        ["无机构", "不存在的执法大队", "BAD-3", "2024-01-01", "2029-12-31", "", ""],
        ["日期反", p.amr.name, "BAD-4", "2030-01-01", "2029-12-31", "", ""],
        ["重复", p.amr.name, "ok-1", "2024-01-01", "2029-12-31", "", ""],
        ["别家", p.culture.name, "BAD-6", "2024-01-01", "2029-12-31", "", ""],
        ["状态", p.amr.name, "BAD-7", "2024-01-01", "2029-12-31", "", "开除"],
        ["学时", p.amr.name, "BAD-8", "2024-01-01", "2029-12-31", "很多", ""],
        ["hank", p.amr.name, "11000002", "2020-01-01", "2030-12-31", "10", ""],
        ["carl", p.culture.name, "11000003", "2020-01-01", "2030-12-31", "", ""],
        ["无日期", p.amr.name, "BAD-11", "2024-01-01", "", "", ""],
    ]
    batch = upload(p.hank, write_xlsx(tmp_path / "bad.xlsx", rows))
    errors = {e["row"]: e["message"] for e in batch.report["errors"]}
    assert set(errors) == set(range(3, 12)), errors
    assert "No enforcement agency" in errors[3]
    assert "cannot expire before the day it was issued" in errors[4]
    assert "Duplicate of row 2" in errors[5]
    assert "may not record officers of this agency" in errors[6]
    assert "Unknown status" in errors[7]
    assert "not a number of hours" in errors[8]
    assert "cannot lower them" in errors[9]
    assert "may not change it" in errors[10]
    assert "required" in errors[11]
    assert batch.report["valid"] == 1
    assert commit(batch) is None  # the page refuses a file with errors
    from ipcity.core import jobs
    from ipcity.core.imports import start_commit

    job = start_commit(batch, p.hank, only_valid=False)
    jobs.run(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "nothing was written" in job.message
    assert not Officer.objects.filter(certificate_number__in=["OK-1", "ok-1"]).exists()


def test_only_officer_managers_may_import(pworld, login, tmp_path):
    p = pworld
    path = write_xlsx(tmp_path / "o.xlsx", [["x", p.amr.name, "N-1", "", "2029-12-31", "", ""]])
    for user in (p.mia, p.leo, p.erin):
        with open(path, "rb") as fh:
            response = login(user).post(reverse("core:import_upload", args=[KEY]), {"file": fh})
        assert response.status_code == 403, user


def test_an_export_reimports_as_it_is(pworld, upload, commit, tmp_path, login):
    from openpyxl import load_workbook

    p = pworld
    officers.add_training(
        p.hank, p.mia_officer, {"course": "c", "attended_on": "2025-01-01", "hours": "12"}
    )
    response = login(p.hank).get(reverse("protection:officer_list"), {"export": "xlsx"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content if response.streaming else [response.content])
    path = tmp_path / "export.xlsx"
    path.write_bytes(body)
    assert load_workbook(path).active.max_row == 3  # header, mia, hank
    batch = upload(p.hank, path)
    assert batch.report["error_rows"] == 0, batch.report
    job = commit(batch)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.result["created"], job.result["updated"]) == (0, 2)
    assert Officer.objects.get(pk=p.mia_officer.pk).training_hours == Decimal("12.0")


def test_checking_rows_reads_officers_and_hours_prepared_once(
    pworld, upload, commit, tmp_path, monkeypatch
):
    """`prepare` reads the changeable officers and their training sums once: checking a row
    neither fetches its officer nor sums its trainings (no per-row queries for them)."""
    p = pworld
    officers.add_training(
        p.hank, p.mia_officer, {"course": "年审", "attended_on": "2026-01-05", "hours": "10"}
    )

    def no_per_row(*args, **kwargs):
        raise AssertionError("a per-row query")

    monkeypatch.setattr(officers, "training_sum", no_per_row)
    rows = [
        ["mia", p.amr.name, "11000001", "2020-01-01", "2031-12-31", "8", ""],  # below the 10
        ["hank", p.amr.name, "11000002", "2020-01-01", "2031-12-31", "12", ""],
    ]
    batch = upload(p.hank, write_xlsx(tmp_path / "o.xlsx", rows))
    assert batch.report["error_rows"] == 1, batch.report
    monkeypatch.undo()
    job = commit(batch, only_valid=True)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert Officer.objects.get(pk=p.hank_officer.pk).training_hours == Decimal("12.0")

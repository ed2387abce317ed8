"""Importing GB/T 29490 certificates from a real workbook through the upload pages."""

from datetime import date

import pytest
from django.urls import reverse

from ipcity.core.models import ImportBatch, JobStatus
from ipcity.utilization.models import Certificate
from tests.data.sheets import write_xlsx

from .test_certification import convert_at_first_audit, make_cert, pin_today  # noqa: F401

KEY = "utilization.certificate"
HEADER = [
    "企业名称",
    "统一社会信用代码",
    "标准版本",
    "证书编号",
    "认证机构",
    "发证日期",
    "有效期至",
    "状态",
    "监督审核日期",
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path, pin_today):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    pin_today(date(2026, 3, 1))


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


def row(name, version, number, issue, expiry="", status="", audits="", uscc=""):
    return [name, uscc, version, number, "示例知识产权认证中心", issue, expiry, status, audits]


def test_a_clean_file_creates_certificates_with_audits(world, upload, commit, tmp_path):
    rows = [
        row(
            "示例甲科技有限公司",
            "GB/T 29490-2023",
            "IMP-1",
            "2024-05-10",
            uscc="91110112MA01ABCD1X",
        ),
        row(
            world.enterprise_b.name,
            "2013",
            "IMP-2",
            date(2023, 4, 1),
            "2026-03-31",
            "有效",
            "2024-04-03；2025-04-08",
        ),
        row(world.enterprise_b.name, "2023版", "IMP-3", "2023-06-01", "", "", "2024-06-05"),
        row(world.enterprise_a.name, "GB/T29490—2013", "IMP-4", "2024-02-01", "", "暂停"),
    ]
    batch = upload(world.alice, write_xlsx(tmp_path / "c.xlsx", rows, HEADER))
    assert batch.report["valid"] == 4 and batch.report["error_rows"] == 0, batch.report
    job = commit(batch)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.result["created"] == 4
    one = Certificate.objects.get(number="IMP-1")
    assert (one.organization, one.standard_version, one.expiry_date) == (
        world.enterprise_a,
        "2023",
        date(2027, 5, 10),
    )
    assert one.audits.filter(result="planned").count() == 2
    assert one.history.get().history_user == world.alice
    two = Certificate.objects.get(number="IMP-2")
    assert list(two.audits.values_list("due_date", "done_date", "result")) == [
        (date(2024, 4, 1), date(2024, 4, 3), "passed"),
        (date(2025, 4, 1), date(2025, 4, 8), "passed"),
    ]
    three = Certificate.objects.get(number="IMP-3")  # issued before 2023 took effect: converted
    assert (three.standard_version, three.converted_on) == ("2023", date(2024, 6, 5))
    assert three.audits.get(done_date=date(2024, 6, 5)).converts_to_2023
    assert Certificate.objects.get(number="IMP-4").status == "suspended"
    # Imported again, the same numbers update.
    batch = upload(world.alice, write_xlsx(tmp_path / "again.xlsx", rows[:1], HEADER))
    job = commit(batch)
    assert job.result["updated"] == 1 and Certificate.objects.count() == 4


def test_bad_rows_are_reported_with_their_row_and_reason_and_nothing_is_written(
    world, upload, commit, tmp_path
):
    make_cert(world.enterprise_a, "EXISTS-1")
    rows = [
        row(world.enterprise_a.name, "2023", "OK-1", "2024-05-10"),
        row("不存在的公司", "2023", "BAD-2", "2024-05-10"),
        row(world.enterprise_a.name, "2019", "BAD-3", "2024-05-10"),
        row(world.enterprise_a.name, "2023", "BAD-4", "2024-05-10", "2024-01-01"),
        row(world.enterprise_a.name, "2023", "BAD-5", "10/05/2024"),
        row(world.enterprise_a.name, "2023", "OK-1", "2024-05-10"),
        row(world.enterprise_a.name, "2013", "BAD-7", "2024-05-10", status="作废"),
        row(world.enterprise_a.name, "2023", "BAD-8", "2024-05-10", audits="2028-01-01"),
        row(world.enterprise_a.name, "2023", "BAD-9", "2023-05-10"),
        row(world.enterprise_a.name, "2013", "BAD-10", "2026-01-10"),
    ]
    batch = upload(world.alice, write_xlsx(tmp_path / "bad.xlsx", rows, HEADER))
    errors = {e["row"]: e["message"] for e in batch.report["errors"]}
    assert set(errors) == {3, 4, 5, 6, 7, 8, 9, 10, 11}
    assert "No organization named" in errors[3]
    assert "not an edition" in errors[4]
    assert "after the issue date" in errors[5]
    assert "not a date" in errors[6]
    assert "Duplicate of row 2" in errors[7]
    assert "Unknown status" in errors[8]
    assert "not between the issue date and the expiry" in errors[9]
    assert "监督审核日期" in errors[10]
    assert "transition" in errors[11]
    assert batch.report["valid"] == 1
    assert commit(batch) is None  # the page refuses a file with errors
    # And the commit job itself refuses it: nothing is written, not even the good row.
    from ipcity.core import jobs
    from ipcity.core.imports import start_commit

    job = start_commit(batch, world.alice, only_valid=False)
    jobs.run(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "nothing was written" in job.message
    assert list(Certificate.objects.values_list("number", flat=True)) == ["EXISTS-1"]


def test_only_office_users_may_import(world, login, tmp_path):
    path = write_xlsx(
        tmp_path / "c.xlsx", [row(world.enterprise_a.name, "2023", "X", "2024-05-10")], HEADER
    )
    for user in (world.leo, world.erin):
        client = login(user)
        with open(path, "rb") as fh:
            response = client.post(reverse("core:import_upload", args=[KEY]), {"file": fh})
        assert response.status_code == 403
    assert not Certificate.objects.exists()


def errors_of(batch):
    return {e["row"]: e["message"] for e in batch.report["errors"]}


def test_rows_obey_the_rules_of_the_certificate_form(uworld, upload, tmp_path):
    world = uworld
    rows = [
        # Converted at an audit held after the transition ended (2025-12-31).
        row(world.enterprise_a.name, "2023", "R-1", "2023-06-01", audits="2026-02-01"),
        # Longer than the edition's 3 years.
        row(world.enterprise_a.name, "2023", "R-2", "2024-05-10", "2028-01-01"),
        # Not an enterprise.
        row(world.university.name, "2023", "R-3", "2024-05-10"),
        row(world.enterprise_a.name, "2023", "R-4", "2024-05-10"),
    ]
    batch = upload(world.alice, write_xlsx(tmp_path / "rules.xlsx", rows, HEADER))
    errors = errors_of(batch)
    assert set(errors) == {2, 3, 4}, errors
    assert "transition" in errors[2] and "2025-12-31" in errors[2]
    assert "valid 3 years" in errors[3]
    assert "not an enterprise" in errors[4]
    assert batch.report["valid"] == 1


def test_reimporting_a_converted_certificate_keeps_its_conversion(world, upload, commit, tmp_path):
    cert = make_cert(world.enterprise_a, "165IPCONV1R0M", issue=date(2023, 6, 1))
    convert_at_first_audit(world.alice, cert, done=date(2024, 6, 5))
    # A stale "2013" row (the number in another case) is refused, not written back.
    stale = [row(world.enterprise_a.name, "2013", "165ipconv1r0m", "2023-06-01")]
    batch = upload(world.alice, write_xlsx(tmp_path / "stale.xlsx", stale, HEADER))
    errors = errors_of(batch)
    assert set(errors) == {2} and "converted to the 2023 edition on 2024-06-05" in errors[2]
    # A "2023" row updates it and keeps the conversion (no need to list the audit again).
    fresh = [row(world.enterprise_a.name, "2023", "165ipconv1r0m", "2023-06-01", "2026-05-31")]
    batch = upload(world.alice, write_xlsx(tmp_path / "fresh.xlsx", fresh, HEADER))
    assert batch.report["error_rows"] == 0, batch.report["errors"]
    job = commit(batch)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.result["updated"] == 1 and Certificate.objects.count() == 1
    cert.refresh_from_db()
    assert (cert.number, cert.standard_version, cert.converted_on, cert.expiry_date) == (
        "165IPCONV1R0M",
        "2023",
        date(2024, 6, 5),
        date(2026, 5, 31),
    )
    assert cert.audits.get(converts_to_2023=True).done_date == date(2024, 6, 5)


def test_status_changes_in_a_file_follow_the_status_rules(world, upload, commit, tmp_path):
    make_cert(
        world.enterprise_a,
        "ST-2013",
        issue=date(2024, 3, 10),
        status="suspended",
        status_date=date(2026, 1, 10),
    )
    fresh = make_cert(world.enterprise_b, "ST-2023", version="2023", issue=date(2024, 5, 6))
    rows = [
        # A 2013 certificate not converted is not reinstated after the transition.
        row(world.enterprise_a.name, "2013", "ST-2013", "2024-03-10", status="有效"),
        # Not expired before its expiry date.
        row(world.enterprise_b.name, "2023", "ST-2023", "2024-05-06", status="过期"),
    ]
    batch = upload(world.alice, write_xlsx(tmp_path / "status.xlsx", rows, HEADER))
    errors = errors_of(batch)
    assert set(errors) == {2, 3}, errors
    assert "transition" in errors[2] and "2027-05-06" in errors[3]
    rows = [row(world.enterprise_b.name, "2023", "ST-2023", "2024-05-06", status="暂停")]
    batch = upload(world.alice, write_xlsx(tmp_path / "suspend.xlsx", rows, HEADER))
    job = commit(batch)
    assert job.status == JobStatus.SUCCEEDED, job.message
    fresh.refresh_from_db()
    # Suspended as of the day of the import, and the history says so.
    assert (fresh.status, fresh.status_date) == ("suspended", date(2026, 3, 1))
    record = fresh.history.order_by("-history_date", "-history_id").first()
    assert record.history_user == world.alice and "Import" in record.history_change_reason
    assert Certificate.objects.get(number="ST-2013").status == "suspended"

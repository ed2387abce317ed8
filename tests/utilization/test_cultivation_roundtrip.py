"""Exported cultivation lists re-import as they are: their headers are the imports' labels, and
the rows update the records they came from (no duplicates)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from ipcity.core import jobs
from ipcity.core.imports import get_format, start_commit
from ipcity.core.models import ImportBatch, JobStatus
from ipcity.utilization.models import Designation, EnterpriseFacts, SupportRecord

from .test_cultivation_builders import make_designation, make_facts, make_support


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def round_trip(client, user, list_name, key, tmp_path, fmt, capture):
    response = client.get(reverse(f"utilization:{list_name}"), {"export": fmt})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    if fmt == "csv":
        header = content.decode("utf-8-sig").splitlines()[0].split(",")
        required = {c.label for c in get_format(key).columns if c.required}
        assert required <= set(header), header
    path = tmp_path / f"{key}.{fmt}"
    path.write_bytes(content)
    with capture(execute=True), open(path, "rb") as fh:
        response = client.post(reverse("core:import_upload", args=[key]), {"file": fh})
    assert response.status_code == 302
    batch = ImportBatch.objects.latest("created_at")
    assert batch.report["error_rows"] == 0, batch.report
    job = start_commit(batch, user, only_valid=False)
    jobs.run(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.result["created"] == 0, job.result
    return job.result


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_designations_re_import_as_updates(
    world, login, tmp_path, fmt, django_capture_on_commit_callbacks
):
    make_designation(world.enterprise_a, certificate_number="D-1", notes="第一批")
    make_designation(
        world.enterprise_b,
        kind="high_tech",
        level="national",
        year=2023,
        valid_from=datetime.date(2023, 12, 1),
        valid_until=datetime.date(2026, 11, 30),
    )
    result = round_trip(
        login(world.alice),
        world.alice,
        "designation_list",
        "utilization.designation",
        tmp_path,
        fmt,
        django_capture_on_commit_callbacks,
    )
    assert result["created"] == 0
    assert Designation.objects.count() == 2
    assert Designation.objects.get(certificate_number="D-1").notes == "第一批"


def test_support_records_re_import_as_updates(
    world, login, tmp_path, django_capture_on_commit_callbacks
):
    make_support(
        world.enterprise_a,
        kind="funding",
        amount=Decimal("20.50"),
        provider=world.office,
        description="资金",
    )
    make_support(world.enterprise_b, title="诊断")
    round_trip(
        login(world.alice),
        world.alice,
        "supportrecord_list",
        "utilization.supportrecord",
        tmp_path,
        "csv",
        django_capture_on_commit_callbacks,
    )
    assert SupportRecord.objects.count() == 2
    funding = SupportRecord.objects.get(kind="funding")
    assert (funding.amount, funding.provider) == (Decimal("20.50"), world.office)


def test_enterprise_facts_re_import_as_updates(
    world, login, tmp_path, django_capture_on_commit_callbacks
):
    make_facts(world.enterprise_a, employees=120, rd_staff=30, revenue=Decimal("5000.00"))
    make_facts(world.enterprise_b, year=2025, employees=15)
    round_trip(
        login(world.alice),
        world.alice,
        "enterprisefacts_list",
        "utilization.enterprisefacts",
        tmp_path,
        "xlsx",
        django_capture_on_commit_callbacks,
    )
    assert EnterpriseFacts.objects.count() == 2
    assert EnterpriseFacts.objects.get(organization=world.enterprise_a).revenue == Decimal("5000")


# -- the pool import ---------------------------------------------------------------------------


def upload_rows(client, tmp_path, rows, capture, name="pool.xlsx"):
    from tests.data.sheets import write_xlsx

    header = ["企业名称", "统一社会信用代码", "培育方向", "级别", "阶段", "年度", "备注"]
    path = write_xlsx(tmp_path / name, rows, header)
    with capture(execute=True), open(path, "rb") as fh:
        response = client.post(
            reverse("core:import_upload", args=["utilization.poolentry"]), {"file": fh}
        )
    assert response.status_code == 302
    return ImportBatch.objects.latest("created_at")


def commit(batch, user):
    job = start_commit(batch, user, only_valid=False)
    jobs.run(str(job.pk))
    job.refresh_from_db()
    return job


def test_the_pool_imports_new_entries_and_updates_evaluating_them(
    world, login, tmp_path, django_capture_on_commit_callbacks
):
    from ipcity.utilization.models import PoolEntry

    from .test_cultivation_builders import make_criterion, make_entry

    make_criterion("in_district", "true", code="pa-d", target_kind="ip_advantage", target_level="")
    make_entry(world.enterprise_b, "ip_advantage", "district", year=2024)
    client = login(world.alice)
    rows = [
        ["", world.enterprise_a.uscc, "知识产权优势企业", "区级", "培育中", "2025", "重点"],
        [world.enterprise_b.name, "", "优势企业", "district", "退出", "", "不再参与"],
        [world.enterprise_b.name, "", "高新技术企业", "", "", "", ""],  # no criteria
        [world.office.name, "", "优势企业", "区级", "", "", ""],  # not an enterprise
        ["", world.enterprise_a.uscc, "优势企业", "市级", "已认定", "", ""],
    ]
    batch = upload_rows(client, tmp_path, rows, django_capture_on_commit_callbacks)
    errors = {e["row"]: e["message"] for e in batch.report["errors"]}
    assert set(errors) == {4, 5, 6}, errors
    assert "no active criteria" in errors[4]
    assert "designated on its page" in errors[6]
    assert PoolEntry.objects.count() == 1
    job = commit(batch, world.alice)
    assert job.status == JobStatus.FAILED and PoolEntry.objects.count() == 1
    batch = upload_rows(client, tmp_path, rows[:2], django_capture_on_commit_callbacks, "ok.xlsx")
    job = commit(batch, world.alice)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.result["created"], job.result["updated"]) == (1, 1)
    a = PoolEntry.objects.get(organization=world.enterprise_a)
    assert (a.target_kind, a.target_level, a.stage, a.year, a.notes) == (
        "ip_advantage",
        "district",
        "cultivated",
        2025,
        "重点",
    )
    assert a.evaluated_at is not None and a.criteria_total >= 1
    assert any(i["code"] == "pa-d" and i["met"] for i in a.evaluation)
    b = PoolEntry.objects.get(organization=world.enterprise_b)
    assert (b.stage, b.year, b.notes) == ("withdrawn", 2024, "不再参与")
    assert b.history.latest().history_user == world.alice
    # The pool list exported re-imports as it is.
    result = round_trip(
        client,
        world.alice,
        "poolentry_list",
        "utilization.poolentry",
        tmp_path,
        "xlsx",
        django_capture_on_commit_callbacks,
    )
    assert result["created"] == 0 and PoolEntry.objects.count() == 2
    # Only those who may add and change pool entries import them.
    assert login(world.leo).get(
        reverse("core:import_upload", args=["utilization.poolentry"])
    ).status_code in (403, 404)


def test_the_pool_list_links_to_its_import_for_the_office_only(world, login):
    link = reverse("core:import_upload", args=["utilization.poolentry"])
    assert link in login(world.alice).get(reverse("utilization:poolentry_list")).content.decode()
    assert link not in login(world.leo).get(reverse("utilization:poolentry_list")).content.decode()

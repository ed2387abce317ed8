"""An exported certificate list re-imports as it is: its headers are the import's labels, and
the rows update the certificates they came from (no duplicates)."""

from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ipcity.core.imports import get_format
from ipcity.core.models import ImportBatch, JobStatus
from ipcity.utilization.models import Certificate

from .test_certification import make_cert, pin_today  # noqa: F401

KEY = "utilization.certificate"


@pytest.fixture(autouse=True)
def media(settings, tmp_path, pin_today):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    pin_today(date(2026, 3, 1))


def export(client, fmt="xlsx"):
    response = client.get(reverse("utilization:certificate_list"), {"export": fmt})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_an_exported_list_re_imports_as_updates(
    world, login, tmp_path, django_capture_on_commit_callbacks
):
    Certificate.objects.create(
        organization=world.enterprise_a,
        standard_version="2023",
        number="RT-1",
        body_name="示例认证中心",
        issue_date=date(2024, 3, 1),
        expiry_date=date(2027, 2, 28),
    )
    Certificate.objects.create(
        organization=world.enterprise_b,
        standard_version="2013",
        number="RT-2",
        body_name="示例认证中心",
        issue_date=date(2022, 5, 1),
        expiry_date=date(2025, 4, 30),
        status="expired",
    )
    client = login(world.alice)
    content = export(client)
    header = [c.value for c in next(load_workbook(BytesIO(content)).active.iter_rows(max_row=1))]
    labels = {c.label for c in get_format(KEY).columns}
    for label in ("企业名称", "统一社会信用代码", "标准版本", "证书编号", "认证机构", "发证日期"):
        assert label in header
    assert "有效期至" in header and "状态" in header
    assert labels - set(header) == {"监督审核日期"}
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)
    with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as fh:
        response = client.post(reverse("core:import_upload", args=[KEY]), {"file": fh})
    assert response.status_code == 302
    batch = ImportBatch.objects.latest("created_at")
    assert batch.report["error_rows"] == 0 and batch.report["valid"] == 2, batch.report
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:import_commit", args=[batch.pk]))
    batch.refresh_from_db()
    job = batch.commit_job
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.result["created"] == 0 and job.result["updated"] == 2
    assert Certificate.objects.count() == 2
    assert Certificate.objects.get(number="RT-2").status == "expired"

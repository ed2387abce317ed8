"""Importing organizations from real files, through the pages and the background jobs."""

import pytest
from django.urls import reverse

from ipcity.core import jobs
from ipcity.core.models import ImportBatch, Job, JobStatus
from ipcity.orgs.imports import OrganizationImportFormat
from ipcity.orgs.models import Contact, Organization
from tests.data.sheets import (
    bad_check_digit_uscc,
    org_row,
    valid_uscc,
    write_csv,
    write_xlsx,
)

ORGS = "orgs.organization"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def upload(login, django_capture_on_commit_callbacks):
    """`upload(user, path)` posts the file as that user, runs the check, returns the batch."""

    def _upload(user, path):
        client = login(user)
        with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as fh:
            response = client.post(reverse("core:import_upload", args=[ORGS]), {"file": fh})
        assert response.status_code == 302, response.content[:500]
        return ImportBatch.objects.latest("created_at")

    return _upload


@pytest.fixture
def commit(client, django_capture_on_commit_callbacks):
    """`commit(batch)` presses the import button as the signed-in user; returns the job."""

    def _commit(batch, only_valid=False):
        data = {"only_valid": "1"} if only_valid else {}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("core:import_commit", args=[batch.pk]), data)
        assert response.status_code == 302
        batch.refresh_from_db()
        return batch.commit_job

    return _commit


def names():
    return set(Organization.objects.values_list("name", flat=True))


def test_a_clean_file_creates_organizations_with_their_history(world, upload, commit, tmp_path):
    rows = [
        org_row("示例丁科技有限公司", valid_uscc(1), "企业", "中仓街道", 联系人="张三"),
        org_row("示例丁科技北京分公司", "", "enterprise", "110112001000", "示例丁科技有限公司"),
        org_row("通州区示例服务中心", "", "服务机构", "", "通州区科学技术委员会", 行业代码="M7520"),
    ]
    batch = upload(world.alice, write_xlsx(tmp_path / "orgs.xlsx", rows))
    assert batch.report["valid"] == 3 and batch.report["error_rows"] == 0
    job = commit(batch)

    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.result["created"] == 3 and job.result["skipped"] == 0
    head = Organization.objects.get(name="示例丁科技有限公司")
    branch = Organization.objects.get(name="示例丁科技北京分公司")
    center = Organization.objects.get(name="通州区示例服务中心")
    assert (head.uscc, head.region, head.uscc_warning) == (valid_uscc(1), world.street, "")
    assert branch.parent == head and branch.path == f"/{head.pk}/{branch.pk}/"
    assert center.kind == "service" and center.industry == "M7520"
    assert center.path == f"{world.unit.path}{center.pk}/"
    assert Contact.objects.get(organization=head).name == "张三"
    record = head.history.get()
    assert (record.history_type, record.history_user, record.path) == ("+", world.alice, head.path)
    assert batch.committed_at is not None


def test_rows_update_existing_organizations_by_code_then_by_name(world, upload, commit, tmp_path):
    rows = [
        org_row(
            "示例甲科技有限公司（新名）", world.enterprise_a.uscc, "", 地址="通州区新华大街1号"
        ),
        org_row("示例乙制造有限公司", "", "", 简称="示例乙"),
    ]
    world.enterprise_b.address = "旧地址"
    world.enterprise_b.save()
    job = commit(upload(world.alice, write_csv(tmp_path / "update.csv", rows)))

    assert (job.result["created"], job.result["updated"]) == (0, 2)
    world.enterprise_a.refresh_from_db()
    world.enterprise_b.refresh_from_db()
    assert world.enterprise_a.name == "示例甲科技有限公司（新名）"
    assert world.enterprise_a.address == "通州区新华大街1号"
    # An empty cell leaves the value alone.
    assert (world.enterprise_b.short_name, world.enterprise_b.address) == ("示例乙", "旧地址")
    latest = world.enterprise_b.history.first()
    assert (latest.history_type, latest.history_user) == ("~", world.alice)


def test_a_malformed_code_is_an_error_and_a_bad_check_digit_a_warning(
    world, upload, commit, tmp_path
):
    rows = [
        org_row("示例戊有限公司", "91110112MA01"),
        org_row("示例己有限公司", "91110112MA0IOSVZ1X"),
        org_row("示例庚有限公司", bad_check_digit_uscc(3)),
    ]
    batch = upload(world.alice, write_xlsx(tmp_path / "uscc.xlsx", rows))
    errors = {e["row"]: e["message"] for e in batch.report["errors"]}
    assert set(errors) == {2, 3}
    assert "18 characters" in errors[2]
    assert [w["row"] for w in batch.report["warnings"]] == [4]

    job = commit(batch, only_valid=True)
    assert (job.result["created"], job.result["skipped"]) == (1, 2)
    warned = Organization.objects.get(name="示例庚有限公司")
    assert warned.uscc == bad_check_digit_uscc(3)
    assert "check digit" in warned.uscc_warning


def test_a_file_with_errors_is_not_written_unless_only_valid_rows_are_chosen(
    world, login, upload, commit, tmp_path
):
    rows = [org_row("示例辛有限公司"), org_row("示例壬有限公司", kind="外星机构")]
    batch = upload(world.alice, write_csv(tmp_path / "mixed.csv", rows))
    page = login(world.alice).get(reverse("core:import_batch", args=[batch.pk]))
    assert "Unknown kind “外星机构”" in page.content.decode()
    assert batch.report["sample"][0][:2] == [2, "示例辛有限公司"]

    before = names()
    assert commit(batch) is None  # refused by the page: no job at all
    assert names() == before

    job = commit(batch, only_valid=True)
    assert job.status == JobStatus.SUCCEEDED
    assert names() - before == {"示例辛有限公司"}


def test_the_commit_job_itself_refuses_a_file_with_errors(world, upload, tmp_path):
    from ipcity.core.imports import start_commit

    batch = upload(world.alice, write_csv(tmp_path / "bad.csv", [org_row("甲"), org_row("")]))
    job = start_commit(batch, world.alice, only_valid=False)
    jobs.run(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "nothing was written" in job.message
    assert not Organization.objects.filter(name="甲").exists()


def test_parent_references_that_cannot_be_resolved_or_loop_are_row_errors(world, upload, tmp_path):
    rows = [
        org_row("示例子公司", parent="不存在的上级"),
        org_row("循环甲", parent="循环乙"),
        org_row("循环乙", parent="循环甲"),
        org_row("示例孙公司", parent="示例子公司"),
    ]
    batch = upload(world.alice, write_csv(tmp_path / "parents.csv", rows))
    errors = {e["row"]: e["message"] for e in batch.report["errors"]}
    assert "No organization or row named" in errors[2]
    assert "loops" in errors[3] and "loops" in errors[4]
    # A row whose parent row is bad cannot be written either.
    assert 5 in errors
    assert batch.report["valid"] == 0


def test_a_ten_thousand_row_workbook_imports_fully(world, upload, commit, tmp_path):
    rows = [org_row(f"测试批量企业{i:05d}有限公司", valid_uscc(100 + i)) for i in range(10_000)]
    path = write_xlsx(tmp_path / "big.xlsx", rows)
    before = Organization.objects.count()
    batch = upload(world.alice, path)
    assert batch.report["valid"] == 10_000
    job = commit(batch)

    assert job.status == JobStatus.SUCCEEDED, job.message
    assert Organization.objects.count() == before + 10_000
    assert Organization.history.filter(history_type="+", history_user=world.alice).count() >= 10_000
    assert not Organization.objects.filter(path="").exists()


def test_one_bad_row_in_ten_thousand_writes_nothing(world, upload, commit, tmp_path):
    from ipcity.core.imports import start_commit

    rows = [org_row(f"测试批量企业{i:05d}有限公司", valid_uscc(100 + i)) for i in range(10_000)]
    rows[7_345][3] = "BAD"
    batch = upload(world.alice, write_xlsx(tmp_path / "big-bad.xlsx", rows))
    assert [e["row"] for e in batch.report["errors"]] == [7_347]
    before = Organization.objects.count()
    job = start_commit(batch, world.alice, only_valid=False)
    jobs.run(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert Organization.objects.count() == before


def test_cancelling_an_import_midway_leaves_nothing_written(
    world, upload, commit, tmp_path, monkeypatch
):
    rows = [org_row(f"测试取消企业{i:04d}有限公司") for i in range(1_200)]
    batch = upload(world.alice, write_csv(tmp_path / "cancel.csv", rows))
    before_orgs = Organization.objects.count()
    before_history = Organization.history.count()

    monkeypatch.setattr(jobs.JobContext, "CHECK_EVERY", 0)
    original = OrganizationImportFormat._create_chunk

    def create_then_cancel(self, *args):
        created = original(self, *args)
        jobs.request_cancel(Job.objects.get(kind="core.import_commit"))
        return created

    monkeypatch.setattr(OrganizationImportFormat, "_create_chunk", create_then_cancel)
    job = commit(batch)

    assert job.status == JobStatus.CANCELLED
    assert Organization.objects.count() == before_orgs
    assert Organization.history.count() == before_history
    assert batch.committed_at is None


def test_a_file_is_imported_only_once(world, upload, commit, tmp_path):
    batch = upload(world.alice, write_csv(tmp_path / "once.csv", [org_row("示例癸有限公司")]))
    commit(batch)
    assert commit(batch).status == JobStatus.SUCCEEDED  # the page refuses a second job
    assert Organization.objects.filter(name="示例癸有限公司").count() == 1


def test_the_preview_paginates_many_bad_rows(world, login, upload, tmp_path):
    rows = [org_row(f"示例{i}", kind="?") for i in range(250)]
    batch = upload(world.alice, write_csv(tmp_path / "bad.csv", rows))
    client = login(world.alice)
    page3 = client.get(reverse("core:import_batch", args=[batch.pk]), {"page": 3}).content.decode()
    assert "<td>251</td>" in page3 and "<td>2</td>" not in page3
    assert batch.validate_job.result_file  # the full list as CSV
    download = client.get(reverse("core:job_download", args=[batch.validate_job.pk]))
    assert download["Content-Disposition"].startswith("attachment")


# -- who may import --------------------------------------------------------------------------


def test_the_upload_page_is_for_those_who_may_add_and_change_organizations(world, login):
    url = reverse("core:import_upload", args=[ORGS])
    assert login(world.alice).get(url).status_code == 200
    for persona in (world.leo, world.bob, world.charlie):
        assert login(persona).get(url).status_code == 403
    assert login(world.alice).get(reverse("core:import_upload", args=["nope"])).status_code == 404


def test_the_template_workbook_has_the_headers(world, login):
    from io import BytesIO

    from openpyxl import load_workbook

    response = login(world.alice).get(reverse("core:import_template", args=[ORGS]))
    sheet = load_workbook(BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][:2] == ["名称", "简称"]
    assert login(world.leo).get(reverse("core:import_template", args=[ORGS])).status_code == 403


def test_an_upload_is_private_to_its_uploader(world, login, upload, tmp_path):
    batch = upload(world.alice, write_csv(tmp_path / "a.csv", [org_row("示例私有公司")]))
    for persona in (world.leo, world.charlie):
        client = login(persona)
        assert client.get(reverse("core:import_batch", args=[batch.pk])).status_code == 404
        response = client.post(reverse("core:import_commit", args=[batch.pk]))
        assert response.status_code == 404
    assert not Organization.objects.filter(name="示例私有公司").exists()


def test_a_file_over_the_size_cap_is_refused(world, login, settings, tmp_path):
    settings.IPCITY_UPLOAD_MAX_BYTES = 100
    path = write_csv(tmp_path / "big.csv", [org_row(f"示例{i}") for i in range(20)])
    with open(path, "rb") as fh:
        response = login(world.alice).post(reverse("core:import_upload", args=[ORGS]), {"file": fh})
    assert response.status_code == 200
    assert "at most 100" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_text_file_renamed_xlsx_shows_a_clear_error_in_the_preview(
    world, login, upload, tmp_path
):
    path = tmp_path / "orgs.xlsx"
    path.write_text("名称\n甲公司\n", encoding="utf-8")
    batch = upload(world.alice, path)
    page = login(world.alice).get(reverse("core:import_batch", args=[batch.pk])).content.decode()
    assert "not a valid Excel workbook" in page
    assert 'data-state="unreadable"' in page

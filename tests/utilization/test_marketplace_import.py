"""Importing technology offers from a workbook, through the upload pages and the jobs."""

import openpyxl
import pytest
from django.urls import reverse

from ipcity.core.models import ImportBatch, JobStatus
from ipcity.utilization.models import DemandListing, SupplyListing

from .test_marketplace_builders import held_patent

KEY = "utilization.supplylisting"
HEADER = [
    "技术名称",
    "供给方",
    "专利申请号",
    "交易方式",
    "IPC分类号",
    "关键词",
    "报价（万元）",
    "技术简介",
    "状态",
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def write(path, rows, header=HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture
def run_import(login, django_capture_on_commit_callbacks):
    """`run_import(user, path)`: upload and check, then commit; (batch, commit job or None)."""

    def _run(user, path, commit=True, only_valid=False, key=KEY):
        client = login(user)
        with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as fh:
            response = client.post(reverse("core:import_upload", args=[key]), {"file": fh})
        assert response.status_code == 302, response.content[:500]
        batch = ImportBatch.objects.latest("created_at")
        if not commit:
            return batch, None
        with django_capture_on_commit_callbacks(execute=True):
            data = {"only_valid": "1"} if only_valid else {}
            client.post(reverse("core:import_commit", args=[batch.pk]), data)
        batch.refresh_from_db()
        return batch, batch.commit_job

    return _run


def test_erin_imports_her_offers(world, run_import, tmp_path):
    patent = held_patent(world.enterprise_a)
    other = held_patent(world.enterprise_a, "一种数据压缩装置", main_ipc="G06F16/00", ipc_codes="")
    rows = [
        ["图像识别技术包", "", f"{patent.application_number}；{other.application_number}",
         "独占许可;普通", "", "图像识别", 120, "成熟技术", "发布"],
        ["数据压缩技术", world.enterprise_a.name, other.application_number, "转让", "G06F 16/00",
         "", "", "", "草稿"],
    ]  # fmt: skip
    batch, job = run_import(world.erin, write(tmp_path / "offers.xlsx", rows))
    assert batch.report["valid"] == 2, batch.report["errors"]
    assert job.status == JobStatus.SUCCEEDED, job.message
    first = SupplyListing.objects.get(title="图像识别技术包")
    assert first.status == "published" and first.owner == world.enterprise_a
    assert first.kinds == ["exclusive", "ordinary"] and str(first.asking_price) == "120.00"
    assert set(first.patents.all()) == {patent, other}
    assert first.ipc_codes == "G06V10/82;G06N3/08;G06F16/00"
    assert first.history.first().history_user == world.erin
    second = SupplyListing.objects.get(title="数据压缩技术")
    assert second.status == "draft" and second.kinds == ["assignment"]


def test_bad_rows_are_reported_and_only_the_valid_rows_written_on_request(
    world, run_import, tmp_path
):
    mine = held_patent(world.enterprise_a)
    foreign = held_patent(world.enterprise_b, "乙的专利")
    rows = [
        ["好的一行", "", mine.application_number, "普通许可", "", "", "", "", ""],
        ["别人的专利", "", foreign.application_number, "", "", "", "", "", ""],
        ["别人的名义", world.enterprise_b.name, "", "", "", "", "", "", ""],
        ["未知方式", "", "", "买断", "", "", "", "", ""],
        ["坏分类号", "", "", "", "图像", "", "", "", ""],
        ["好的一行", "", "", "", "", "", "", "", ""],
    ]
    batch, job = run_import(world.erin, write(tmp_path / "offers.xlsx", rows))
    errors = {e["row"]: e["message"] for e in batch.report["errors"]}
    assert set(errors) == {3, 4, 5, 6, 7}
    assert "does not hold" in errors[3]
    assert "own organization" in errors[4]
    assert "Unknown kind" in errors[5]
    assert "Not IPC codes" in errors[6]
    assert "Duplicate of row 2" in errors[7]
    assert job is None  # the file has errors: nothing is written
    assert not SupplyListing.objects.exists()
    batch, job = run_import(world.erin, write(tmp_path / "again.xlsx", rows), only_valid=True)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert list(SupplyListing.objects.values_list("title", flat=True)) == ["好的一行"]


def test_the_office_imports_for_any_organization(world, run_import, tmp_path):
    patent = held_patent(world.enterprise_b, "乙的专利")
    rows = [
        ["乙的成果", world.enterprise_b.name, patent.application_number, "", "", "", "", "", ""]
    ]
    batch, job = run_import(world.alice, write(tmp_path / "offers.xlsx", rows))
    assert job.status == JobStatus.SUCCEEDED, (job.message, batch.report["errors"])
    assert SupplyListing.objects.get().owner == world.enterprise_b


def test_leo_may_not_import(world, login):
    response = login(world.leo).get(reverse("core:import_upload", args=[KEY]))
    assert response.status_code == 403


def test_uploading_the_same_offers_again_adds_nothing(world, run_import, tmp_path):
    patent = held_patent(world.enterprise_a)
    rows = [
        ["图像识别技术包", "", patent.application_number, "普通许可", "", "", "", "", "发布"],
        ["数据压缩技术", "", "", "", "", "", "", "", ""],
    ]
    batch, job = run_import(world.erin, write(tmp_path / "offers.xlsx", rows))
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert SupplyListing.objects.count() == 2
    # The same workbook again, one title typed with a space in it.
    again = [rows[0], ["数据压缩 技术", "", "", "", "", "", "", "", ""]]
    batch, job = run_import(world.erin, write(tmp_path / "again.xlsx", again))
    errors = {e["row"]: e["message"] for e in batch.report["errors"]}
    assert set(errors) == {2, 3}
    assert all("already has an offer with this title" in m for m in errors.values())
    assert job is None and SupplyListing.objects.count() == 2
    # Another organization may use the same title.
    charlie_rows = [["数据压缩技术", "", "", "", "", "", "", "", ""]]
    batch, job = run_import(world.charlie, write(tmp_path / "b.xlsx", charlie_rows))
    assert job.status == JobStatus.SUCCEEDED, batch.report["errors"]
    assert SupplyListing.objects.count() == 3


def test_a_negative_asking_price_is_refused(world, run_import, tmp_path):
    rows = [["负报价", "", "", "", "", "", "-5", "", ""]]
    batch, job = run_import(world.erin, write(tmp_path / "offers.xlsx", rows))
    errors = {e["row"]: e["message"] for e in batch.report["errors"]}
    assert "cannot be negative" in errors[2]
    assert job is None
    assert not SupplyListing.objects.exists()


NEED_KEY = "utilization.demandlisting"
NEED_HEADER = [
    "需求名称",
    "需求方",
    "交易方式",
    "IPC分类号",
    "关键词",
    "预算（万元）",
    "需求描述",
    "状态",
]


def test_charlie_imports_his_needs_and_bad_rows_are_reported(world, run_import, tmp_path):
    rows = [
        ["寻求图像识别技术", "", "普通许可", "G06V10/82", "图像", "50", "用于质检", "发布"],
        ["别人的名义", world.enterprise_a.name, "", "", "", "", "", ""],
        ["负预算", "", "", "", "", "-3", "", ""],
        ["坏分类号", "", "", "图像", "", "", "", ""],
    ]
    path = write(tmp_path / "needs.xlsx", rows, header=NEED_HEADER)
    batch, job = run_import(world.charlie, path, key=NEED_KEY)
    errors = {e["row"]: e["message"] for e in batch.report["errors"]}
    assert set(errors) == {3, 4, 5}
    assert "own organization" in errors[3]
    assert "cannot be negative" in errors[4]
    assert "Not IPC codes" in errors[5]
    assert job is None and not DemandListing.objects.exists()
    batch, job = run_import(world.charlie, path, only_valid=True, key=NEED_KEY)
    assert job.status == JobStatus.SUCCEEDED, job.message
    need = DemandListing.objects.get()
    assert (need.title, need.owner, need.status) == (
        "寻求图像识别技术",
        world.enterprise_b,
        "published",
    )
    assert str(need.budget) == "50.00" and need.kinds == ["ordinary"]
    # Again: the title is taken now.
    batch, job = run_import(world.charlie, path, key=NEED_KEY, commit=False)
    errors = {e["row"]: e["message"] for e in batch.report["errors"]}
    assert "already has a need with this title" in errors[2]


def test_the_need_import_is_offered_on_the_list_and_refused_to_leo(world, login):
    upload = reverse("core:import_upload", args=[NEED_KEY])
    assert (
        upload
        in login(world.charlie).get(reverse("utilization:demandlisting_list")).content.decode()
    )
    assert login(world.leo).get(upload).status_code == 403

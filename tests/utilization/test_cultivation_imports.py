"""Importing designations, support records and enterprise facts from real files, through the
upload pages and the background jobs."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ipcity.core import jobs
from ipcity.core.imports import start_commit
from ipcity.core.models import ImportBatch, JobStatus
from ipcity.utilization.models import Designation, EnterpriseFacts, SupportRecord
from tests.data.sheets import write_csv, write_xlsx

from .test_cultivation_builders import make_designation, make_facts

DESIGNATION_HEADER = [
    "企业名称",
    "统一社会信用代码",
    "称号/类型",
    "级别",
    "年度",
    "有效期起",
    "有效期至",
    "证书编号",
    "来源文件",
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def upload(login, django_capture_on_commit_callbacks):
    """`upload(user, key, path)` posts the file as that user and runs the check."""

    def _upload(user, key, path):
        client = login(user)
        with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as fh:
            response = client.post(reverse("core:import_upload", args=[key]), {"file": fh})
        assert response.status_code == 302, response.content[:500]
        return ImportBatch.objects.latest("created_at")

    return _upload


def commit(batch, user, only_valid=False):
    job = start_commit(batch, user, only_valid=only_valid)
    jobs.run(str(job.pk))
    job.refresh_from_db()
    return job


def test_designations_match_enterprises_by_code_then_name_and_read_chinese_labels(
    world, upload, tmp_path
):
    existing = make_designation(world.enterprise_b, "high_tech", "national", 2023)
    rows = [
        # by credit code, the name as written elsewhere; the level inside the designation
        [
            "示例甲科技",
            world.enterprise_a.uscc,
            "国家级知识产权示范企业",
            "",
            "2024",
            "2024-12-01",
            "2027.11.30",
            "",
            "国知发〔2024〕5号",
        ],
        # by exact name (full-width brackets folded), English code of the kind
        ["示例乙制造有限公司", "", "high_tech", "国家级", "2023年", "", "", "GR202311001234", ""],
        [
            "示例乙制造有限公司",
            "",
            "专精特新中小企业",
            "市级",
            2025,
            "",
            "",
            "",
            "京经信发〔2025〕1号",
        ],
        ["示例甲科技有限公司", "", "优势企业", "区级", "2022", "20221201", "", "", ""],
    ]
    batch = upload(
        world.alice,
        "utilization.designation",
        write_xlsx(tmp_path / "d.xlsx", rows, DESIGNATION_HEADER),
    )
    assert batch.report["error_rows"] == 0, batch.report["errors"]
    job = commit(batch, world.alice)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.result["created"], job.result["updated"]) == (3, 1)
    demo = Designation.objects.get(organization=world.enterprise_a, kind="ip_demonstration")
    assert (demo.level, demo.year, demo.valid_until) == (
        "national",
        2024,
        datetime.date(2027, 11, 30),
    )
    assert demo.source_document == "国知发〔2024〕5号"
    assert demo.history.get().history_user == world.alice
    existing.refresh_from_db()
    assert existing.certificate_number == "GR202311001234"
    assert Designation.objects.get(kind="ip_advantage").valid_from == datetime.date(2022, 12, 1)
    assert Designation.objects.get(kind="specialized_sme").level == "municipal"


def test_a_bad_row_names_its_row_and_reason_and_nothing_is_written(world, upload, login, tmp_path):
    rows = [
        ["示例甲科技有限公司", "", "高新技术企业", "国家级", "2024", "", "", "", ""],
        ["示例不存在有限公司", "", "高新技术企业", "国家级", "2024", "", "", "", ""],
        ["示例乙制造有限公司", "", "外星企业", "国家级", "2024", "", "", "", ""],
        ["示例乙制造有限公司", "", "高新技术企业", "国家级", "二〇二四", "", "", "", ""],
        [
            "示例乙制造有限公司",
            "",
            "高新技术企业",
            "国家级",
            "2024",
            "2025-01-01",
            "2024-01-01",
            "",
            "",
        ],
    ]
    batch = upload(
        world.alice,
        "utilization.designation",
        write_csv(tmp_path / "bad.csv", rows, DESIGNATION_HEADER),
    )
    errors = {e["row"]: e["message"] for e in batch.report["errors"]}
    assert set(errors) == {3, 4, 5, 6}
    assert "No registered enterprise “示例不存在有限公司”" in errors[3]
    assert "Unknown designation “外星企业”" in errors[4]
    assert "not a year" in errors[5]
    assert "before its start" in errors[6]
    page = login(world.alice).get(reverse("core:import_batch", args=[batch.pk]))
    assert "示例不存在有限公司" in page.content.decode()
    job = commit(batch, world.alice)
    assert job.status == JobStatus.FAILED and "nothing was written" in job.message
    assert not Designation.objects.exists()


def test_designation_import_is_for_the_office(world, login):
    client = login(world.leo)
    assert (
        client.get(reverse("core:import_upload", args=["utilization.designation"])).status_code
        == 403
    )
    body = login(world.alice).get(reverse("utilization:designation_list")).content.decode()
    assert reverse("core:import_upload", args=["utilization.designation"]) in body


def test_support_records_import(world, upload, tmp_path):
    header = [
        "企业名称",
        "统一社会信用代码",
        "支持类型",
        "日期",
        "金额（万元）",
        "项目名称",
        "说明",
        "提供单位",
    ]
    rows = [
        [
            "",
            world.enterprise_a.uscc,
            "资金支持",
            "2025-03-01",
            "20",
            "优势企业培育资金",
            "",
            world.office.name,
        ],
        ["示例乙制造有限公司", "", "培训", "2025/4/2", "", "贯标培训", "两天", ""],
        ["示例乙制造有限公司", "", "培训", "2025/4/2", "", "贯标培训", "重复", ""],
        ["示例乙制造有限公司", "", "咨询", "2025/4/3", "-3", "诊断", "", "不存在的单位"],
    ]
    batch = upload(
        world.alice, "utilization.supportrecord", write_xlsx(tmp_path / "s.xlsx", rows, header)
    )
    errors = {e["row"]: e["message"] for e in batch.report["errors"]}
    assert set(errors) == {4, 5}
    assert "Duplicate of row 3" in errors[4]
    job = commit(batch, world.alice, only_valid=True)
    assert job.status == JobStatus.SUCCEEDED, job.message
    funding = SupportRecord.objects.get(kind="funding")
    assert (funding.organization, funding.amount, funding.provider) == (
        world.enterprise_a,
        Decimal("20.00"),
        world.office,
    )
    assert SupportRecord.objects.count() == 2


def test_enterprise_users_import_their_own_facts_only(world, upload, tmp_path):
    make_facts(world.enterprise_a, 2023, employees=90, rd_staff=9)
    header = [
        "企业名称",
        "统一社会信用代码",
        "年度",
        "职工人数",
        "研发人员",
        "营业收入（万元）",
        "研发投入（万元）",
    ]
    rows = [
        ["示例甲科技有限公司", "", "2023", "", "12", "", ""],
        ["示例甲科技有限公司", "", "2024", "100", "25", "1,200.5", "80"],
        ["示例乙制造有限公司", "", "2024", "50", "5", "", ""],
        ["示例甲科技有限公司", "", "2022", "10", "25", "", ""],
    ]
    batch = upload(
        world.erin, "utilization.enterprisefacts", write_csv(tmp_path / "f.csv", rows, header)
    )
    errors = {e["row"]: e["message"] for e in batch.report["errors"]}
    assert set(errors) == {4, 5}
    assert "outside what you may record" in errors[4]
    assert "More R&D staff than employees." in errors[5]
    job = commit(batch, world.erin, only_valid=True)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.result["created"], job.result["updated"]) == (1, 1)
    updated = EnterpriseFacts.objects.get(organization=world.enterprise_a, year=2023)
    assert (updated.employees, updated.rd_staff) == (90, 12)  # an empty cell keeps the value
    new = EnterpriseFacts.objects.get(year=2024)
    assert (new.organization, new.revenue) == (world.enterprise_a, Decimal("1200.50"))
    assert not EnterpriseFacts.objects.filter(organization=world.enterprise_b).exists()


FACTS_HEADER = ["企业名称", "统一社会信用代码", "年度", "职工人数", "研发人员"]


def test_rows_naming_an_organization_that_is_not_an_enterprise_are_refused(
    uworld, upload, tmp_path
):
    uni = uworld.university
    uni.uscc = "12110000400000001A"
    uni.save()
    rows = [
        [uni.name, "", "2024", "100", "10"],
        ["", uni.uscc, "2024", "100", "10"],
        [uworld.office.name, "", "2024", "100", "10"],
        [uworld.enterprise_a.name, "", "2024", "100", "10"],
    ]
    batch = upload(
        uworld.alice,
        "utilization.enterprisefacts",
        write_csv(tmp_path / "f.csv", rows, FACTS_HEADER),
    )
    errors = {e["row"]: e["message"] for e in batch.report["errors"]}
    assert set(errors) == {2, 3, 4}
    assert errors[2] == (
        f"“{uni.name}” is not an enterprise (registered as: University or research institute)."
    )
    assert uni.name in errors[3] and uworld.office.name in errors[4]


def test_an_update_is_checked_against_the_values_already_recorded(world, upload, tmp_path):
    make_facts(world.enterprise_a, 2023, employees=90, rd_staff=9)
    make_designation(
        world.enterprise_b, "high_tech", "national", 2023, valid_from=datetime.date(2023, 12, 1)
    )
    rows = [
        ["示例甲科技有限公司", "", "2023", "", "120"],  # 120 R&D staff of 90 recorded employees
        ["示例甲科技有限公司", "", "2024", "", "120"],  # a new year: nothing to compare with
    ]
    batch = upload(
        world.alice,
        "utilization.enterprisefacts",
        write_csv(tmp_path / "f.csv", rows, FACTS_HEADER),
    )
    errors = {e["row"]: e for e in batch.report["errors"]}
    assert set(errors) == {2}
    assert errors[2]["message"] == (
        "More R&D staff (120) than employees (90) with the numbers already recorded for that year."
    )
    rows = [["示例乙制造有限公司", "", "高新技术企业", "国家级", "2023", "", "2023-06-30", "", ""]]
    batch = upload(
        world.alice,
        "utilization.designation",
        write_csv(tmp_path / "d.csv", rows, DESIGNATION_HEADER),
    )
    [error] = batch.report["errors"]
    assert error["row"] == 2 and "2023-06-30" in error["message"]
    assert "2023-12-01" in error["message"]
    assert Designation.objects.get().valid_until is None


def test_imported_facts_and_designations_re_evaluate_the_pool(world, upload, tmp_path):
    from ipcity.utilization import pool

    from .test_cultivation_builders import make_criterion

    make_criterion("rd_staff", "gte", 10, code="bm-rd")
    make_criterion("has_designation", "true", parameter="high_tech", code="bm-ht")
    entry = pool.add_to_pool(world.alice, world.enterprise_a, "benchmark", "district")
    assert entry.criteria_met == 0
    batch = upload(
        world.alice,
        "utilization.enterprisefacts",
        write_csv(
            tmp_path / "f.csv", [["示例甲科技有限公司", "", "2025", "50", "12"]], FACTS_HEADER
        ),
    )
    assert commit(batch, world.alice).status == JobStatus.SUCCEEDED
    entry.refresh_from_db()
    assert entry.criteria_met == 1
    year = str(timezone.localdate().year)
    rows = [["示例甲科技有限公司", "", "高新技术企业", "国家级", year, "", "", "", ""]]
    batch = upload(
        world.alice,
        "utilization.designation",
        write_csv(tmp_path / "d.csv", rows, DESIGNATION_HEADER),
    )
    assert commit(batch, world.alice).status == JobStatus.SUCCEEDED
    entry.refresh_from_db()
    assert entry.meets_all and entry.criteria_met == 2

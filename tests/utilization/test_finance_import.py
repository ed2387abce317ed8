"""Importing pledges, valuations, insurance policies and guarantees from real files: parties by
credit code then exact name, rights by number; a bad row is reported with its row number and
reason, and nothing is written."""

from decimal import Decimal

import pytest
from django.urls import reverse

from ipcity.core.imports import get_format, validate
from ipcity.core.models import ImportBatch, JobStatus
from ipcity.utilization.models import Guarantee, InsurancePolicy, Pledge, Valuation
from tests.data.sheets import write_xlsx

from ..rights.registry_builders import make_patent, make_trademark
from .test_finance_helpers import make_pledge

PLEDGE_HEADER = [
    "登记号",
    "登记日期",
    "出质人",
    "出质人统一社会信用代码",
    "质权人",
    "专利号",
    "商标注册号",
    "担保金额（万元）",
    "债务履行期止",
    "解除日期",
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def rights(uworld):
    first = make_patent(
        "一种甲", holders=[uworld.enterprise_a], application_number="202010123456.1"
    )
    second = make_patent("一种乙", holders=[uworld.enterprise_a])
    mark = make_trademark("示例甲", holder=uworld.enterprise_a, registration_number="30000001")
    return first, second, mark


def pledge_rows(w, first, second):
    return [
        # by credit code (the name cell may differ), a number without the dot, two patents
        [
            "Y-001",
            "2024-03-01",
            "甲公司（简称）",
            w.enterprise_a.uscc,
            w.bank_a.name,
            f"ZL{first.application_number.replace('.', '')};{second.application_number}",
            "",
            "800",
            "2025-03-01",
            "",
        ],
        # by exact name, a trademark, released
        [
            "Y-002",
            "2023/05/10",
            w.enterprise_a.name,
            "",
            w.bank_a.name,
            "",
            "30000001",
            "1200.5",
            "",
            "2024-05-10",
        ],
    ]


def check(key, path, user):
    fmt = get_format(key)
    return validate(fmt, path, path.name, user)


def test_a_clean_pledge_file_checks_and_imports(
    uworld, rights, tmp_path, login, django_capture_on_commit_callbacks
):
    first, second, mark = rights
    path = write_xlsx(tmp_path / "pledges.xlsx", pledge_rows(uworld, first, second), PLEDGE_HEADER)
    result = check("utilization.pledge", path, uworld.fiona)
    assert not result.errors and result.valid == 2

    client = login(uworld.fiona)
    with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as fh:
        client.post(reverse("core:import_upload", args=["utilization.pledge"]), {"file": fh})
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:import_commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.commit_job.status == JobStatus.SUCCEEDED, batch.commit_job.message
    one, two = Pledge.objects.order_by("registration_number")
    assert (one.pledgor, one.pledgee, one.status) == (
        uworld.enterprise_a,
        uworld.bank_a,
        "registered",
    )
    assert set(one.patents.all()) == {first, second}
    assert two.status == "released" and list(two.trademarks.all()) == [mark]
    assert two.amount == Decimal("1200.50")
    assert one.history.get().history_user == uworld.fiona
    first.refresh_from_db()
    assert first.pledge_amount == Decimal("400")  # 800 shared equally by its two patents


def test_bad_rows_are_reported_with_row_and_reason_and_nothing_is_written(
    uworld, rights, tmp_path, login, django_capture_on_commit_callbacks
):
    first, second, _mark = rights
    make_pledge(uworld.enterprise_a, uworld.bank_a, [first], registration_number="Y-OLD")
    rows = [
        *pledge_rows(uworld, first, second),
        [
            "Y-003",
            "2024-03-01",
            "不存在的公司",
            "",
            uworld.bank_a.name,
            first.application_number,
            "",
            "100",
            "",
            "",
        ],
        [
            "Y-004",
            "2024-03-01",
            uworld.enterprise_a.name,
            "",
            uworld.bank_a.name,
            "202099999999.1",
            "",
            "100",
            "",
            "",
        ],
        [
            "Y-005",
            "2024-03-01",
            uworld.enterprise_a.name,
            "",
            uworld.bank_a.name,
            first.application_number,
            "",
            "一百",
            "",
            "",
        ],
        [
            "Y-001",
            "2024-03-01",
            uworld.enterprise_a.name,
            "",
            uworld.bank_a.name,
            first.application_number,
            "",
            "100",
            "",
            "",
        ],
        [
            "Y-OLD",
            "2024-03-01",
            uworld.enterprise_a.name,
            "",
            uworld.bank_a.name,
            first.application_number,
            "",
            "100",
            "",
            "",
        ],
        [
            "Y-008",
            "2024-03-01",
            uworld.enterprise_b.name,
            "",
            uworld.bank_b.name,
            first.application_number,
            "",
            "100",
            "",
            "",
        ],
        [
            "Y-009",
            "2024-03-01",
            uworld.enterprise_a.name,
            "",
            uworld.bank_a.name,
            "",
            "",
            "100",
            "",
            "",
        ],
        [
            "Y-010",
            "2024-03-01",
            uworld.enterprise_a.name,
            "",
            uworld.bank_a.name,
            first.application_number,
            "",
            "100",
            "",
            "2020-01-01",
        ],
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows, PLEDGE_HEADER)
    result = check("utilization.pledge", path, uworld.fiona)
    reasons = {e["row"]: e["message"] for e in result.errors}
    assert set(reasons) == {4, 5, 6, 7, 8, 9, 10, 11}
    assert "不存在的公司" in reasons[4]
    assert "not in the registry" in reasons[5]
    assert "not an amount" in reasons[6]
    assert "Duplicate of row 2" in reasons[7]
    assert "registration number exists" in reasons[8]
    assert "name it as the pledgee" in reasons[9]  # bank B's books are not fiona's
    assert "at least one pledged" in reasons[10]
    assert "release cannot come before" in reasons[11]

    client = login(uworld.fiona)
    with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as fh:
        client.post(reverse("core:import_upload", args=["utilization.pledge"]), {"file": fh})
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:import_commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.report["error_rows"] == 8 and batch.report["valid"] == 2
    assert batch.commit_job is None  # refused: the file has errors
    assert list(Pledge.objects.values_list("registration_number", flat=True)) == ["Y-OLD"]
    first.refresh_from_db()
    assert first.pledge_amount is None


def test_the_import_needs_the_add_permission(uworld):
    fmt = get_format("utilization.pledge")
    assert fmt.allowed(uworld.fiona) and fmt.allowed(uworld.alice)
    assert not fmt.allowed(uworld.erin) and not fmt.allowed(uworld.leo)


def test_valuations_insurance_and_guarantees_import(uworld, rights, tmp_path):
    first, _second, _mark = rights
    pledge = make_pledge(uworld.enterprise_a, uworld.bank_a, [first], registration_number="Y-77")
    valuations = write_xlsx(
        tmp_path / "v.xlsx",
        [
            [
                uworld.enterprise_a.name,
                first.application_number,
                "收益法",
                "1500",
                "2024-01-31",
                "示例资产评估有限公司",
                uworld.bank_a.name,
            ],
            [
                uworld.enterprise_a.name,
                first.application_number,
                "估计法",
                "1500",
                "2024-01-31",
                "示例资产评估有限公司",
                uworld.bank_a.name,
            ],
        ],
        ["权利人", "专利号", "评估方法", "评估价值（万元）", "评估基准日", "评估机构", "委托方"],
    )
    result = check("utilization.valuation", valuations, uworld.fiona)
    assert [(e["row"], "Unknown method" in e["message"]) for e in result.errors] == [(3, True)]
    assert result.warnings and result.warnings[0]["row"] == 2  # appraiser kept as written
    fmt = get_format("utilization.valuation")
    fmt.write(result.rows, result.context, uworld.fiona, lambda n: None)
    valuation = Valuation.objects.get()
    assert valuation.method == "income" and valuation.appraiser_name == "示例资产评估有限公司"
    assert valuation.commissioned_by == uworld.bank_a and list(valuation.patents.all()) == [first]

    policies = write_xlsx(
        tmp_path / "p.xlsx",
        [
            ["BD-1", uworld.enterprise_a.name, uworld.bank_a.name, "执行保险", "300", "2024-01-01"],
            [
                "BD-2",
                uworld.enterprise_a.name,
                uworld.bank_a.name,
                "enforcement",
                "x",
                "2024-01-01",
            ],
        ],
        ["保单号", "被保险人", "保险人", "险种", "保险金额（万元）", "起保日期"],
    )
    result = check("utilization.insurancepolicy", policies, uworld.fiona)
    assert [e["row"] for e in result.errors] == [3]
    get_format("utilization.insurancepolicy").write(
        result.rows, result.context, uworld.fiona, lambda n: None
    )
    assert InsurancePolicy.objects.get().kind == "enforcement"

    guarantees = write_xlsx(
        tmp_path / "g.xlsx",
        [
            [uworld.bank_a.name, uworld.enterprise_a.name, "Y-77", "400", "2024-02-01"],
            [uworld.bank_a.name, uworld.enterprise_a.name, "Y-NONE", "400", "2024-02-01"],
        ],
        ["担保机构", "借款人", "质押登记号", "担保金额（万元）", "起始日期"],
    )
    result = check("utilization.guarantee", guarantees, uworld.fiona)
    assert [e["row"] for e in result.errors] == [3]
    get_format("utilization.guarantee").write(
        result.rows, result.context, uworld.fiona, lambda n: None
    )
    assert Guarantee.objects.get().pledge == pledge

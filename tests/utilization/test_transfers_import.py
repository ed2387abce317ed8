"""Importing transactions from a sheet through the upload pages and the background jobs."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from ipcity.core.models import ImportBatch, JobStatus
from ipcity.utilization import deals
from ipcity.utilization.models import Transaction
from tests.data.sheets import write_xlsx

from ..rights.registry_builders import make_event, make_patent, make_trademark

KEY = "utilization.transaction"
HEADER = [
    "转让人/许可人",
    "受让人/被许可人",
    "专利号/申请号",
    "商标注册号",
    "类型",
    "金额（万元）",
    "合同日期",
    "登记号/备案号",
    "登记日期",
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def registry(uworld):
    make_patent(application_number="201710117081.7", holders=[uworld.university])
    make_patent(application_number="202010123456.5")
    make_trademark("示例", registration_number="60000001")


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
            response = client.post(reverse("core:import_commit", args=[batch.pk]), data)
        assert response.status_code == 302
        batch.refresh_from_db()
        return batch.commit_job

    return _commit


def good_rows():
    return [
        [
            "示例理工大学",
            "91110112MA01ABCD1X",
            "ZL201710117081.7",
            "",
            "转让",
            "120.5",
            "2023-05-06",
            "",
            "2023-06-01",
        ],
        [
            "示例乙制造有限公司",
            "某外地公司",
            "202010123456.5;201710117081.7",
            "60000001",
            "独占许可",
            "8",
            "2024/1/2",
            "2024110000001",
            "",
        ],
        [
            "南通示例机械有限公司",
            "示例甲科技有限公司",
            "",
            "60000001",
            "普通许可",
            "",
            "",
            "2024110000002",
            "2024年3月4日",
        ],
    ]


def test_a_clean_file_is_imported_with_parties_matched(uworld, registry, upload, commit, tmp_path):
    batch = upload(uworld.alice, write_xlsx(tmp_path / "t.xlsx", good_rows(), HEADER))
    assert batch.report["valid"] == 3 and batch.report["error_rows"] == 0, batch.report
    job = commit(batch)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.result["created"] == 3
    uni = Transaction.objects.get(kind="assignment")
    assert (uni.assignor, uni.assignee) == (uworld.university, uworld.enterprise_a)
    assert uni.from_university and uni.year == 2023 and uni.amount == Decimal("120.50")
    assert uni.origin == "import" and uni.history.get().history_user == uworld.alice
    licence = Transaction.objects.get(kind="exclusive")
    assert licence.assignee is None and licence.assignee_name == "某外地公司"
    assert licence.patents.count() == 2 and licence.trademarks.count() == 1
    assert licence.contract_date == datetime.date(2024, 1, 2)
    outside = Transaction.objects.get(kind="ordinary")
    assert outside.from_outside and outside.registration_date == datetime.date(2024, 3, 4)


def test_bad_rows_are_reported_by_row_and_nothing_is_written(
    uworld, registry, upload, commit, tmp_path
):
    deals.record_transaction(
        None,
        kind="ordinary",
        assignor=uworld.enterprise_a,
        assignee=uworld.enterprise_b,
        patents=[make_patent()],
        contract_date=datetime.date(2022, 1, 1),
        registration_number="2022110000099",
    )
    rows = [
        *good_rows(),
        [
            "示例理工大学",
            "示例甲科技有限公司",
            "202010999999.1",
            "",
            "转让",
            "",
            "2023-01-01",
            "",
            "",
        ],
        [
            "示例理工大学",
            "示例甲科技有限公司",
            "201710117081.7",
            "",
            "许可",
            "",
            "2023-01-01",
            "",
            "",
        ],
        ["示例理工大学", "示例甲科技有限公司", "201710117081.7", "", "转让", "-3", "", "", ""],
        [
            "示例理工大学",
            "示例甲科技有限公司",
            "201710117081.7",
            "",
            "转让",
            "",
            "2023-01-01",
            "2022110000099",
            "",
        ],
        ["示例理工大学", "示例甲科技有限公司", "", "", "转让", "", "2023-01-01", "", ""],
        [
            "示例理工大学",
            "示例甲科技有限公司",
            "ZL201710117081.7",
            "",
            "转让",
            "120.5",
            "2023-05-06",
            "",
            "2023-06-01",
        ],
    ]
    batch = upload(uworld.alice, write_xlsx(tmp_path / "bad.xlsx", rows, HEADER))
    errors = {(e["row"], e["message"]) for e in batch.report["errors"]}
    by_row = {}
    for row, message in errors:
        by_row.setdefault(row, []).append(message)
    assert sorted(by_row) == [5, 6, 7, 8, 9, 10]
    assert "202010999999.1 is not in the patent registry." in by_row[5]
    assert any("Say which licence" in m for m in by_row[6])
    assert any("negative" in m for m in by_row[7])
    assert any("already recorded" in m for m in by_row[8])
    assert any("at least one patent or trademark" in m for m in by_row[9])
    assert any("Duplicate of row 2" in m for m in by_row[10])
    assert commit(batch) is None  # refused while rows have errors
    assert Transaction.objects.count() == 1  # only the one recorded before


def test_an_enterprise_imports_only_what_it_is_party_to(uworld, registry, upload, commit, tmp_path):
    rows = [
        [
            "示例理工大学",
            "示例甲科技有限公司",
            "201710117081.7",
            "",
            "转让",
            "",
            "2023-01-01",
            "",
            "",
        ],
        [
            "示例理工大学",
            "示例乙制造有限公司",
            "202010123456.5",
            "",
            "转让",
            "",
            "2023-01-01",
            "",
            "",
        ],
    ]
    batch = upload(uworld.erin, write_xlsx(tmp_path / "erin.xlsx", rows, HEADER))
    assert [e["row"] for e in batch.report["errors"]] == [3]
    assert "not a party" in batch.report["errors"][0]["message"]
    job = commit(batch, only_valid=True)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert Transaction.objects.get().assignee == uworld.enterprise_a


def test_readers_may_not_import(uworld, login):
    assert login(uworld.leo).get(reverse("core:import_upload", args=[KEY])).status_code == 403


def test_a_row_recorded_meanwhile_fails_the_whole_commit(
    uworld, registry, upload, commit, tmp_path
):
    batch = upload(uworld.alice, write_xlsx(tmp_path / "t.xlsx", good_rows(), HEADER))
    assert batch.report["error_rows"] == 0
    deals.record_transaction(
        None,
        kind="exclusive",
        assignor=uworld.enterprise_b,
        assignee_name="某外地公司",
        trademarks=[make_trademark("另一示例")],
        contract_date=datetime.date(2024, 1, 2),
        registration_number="2024110000001",
    )
    job = commit(batch)
    assert job.status == JobStatus.FAILED
    assert Transaction.objects.count() == 1


def test_a_row_repeating_a_derived_transaction_is_a_row_error(
    uworld, registry, upload, commit, tmp_path
):
    patent = make_patent(holders=[uworld.enterprise_a])
    make_event(patent, "transfer", datetime.date(2023, 5, 20), counterparty="示例甲科技有限公司")
    deals.derive_from_legal_events()
    derived = Transaction.objects.get()
    rows = [
        [
            "示例理工大学",
            "示例甲科技有限公司",
            patent.application_number,
            "",
            "转让",
            "50",
            "2023-05-06",
            "",
            "",
        ]
    ]
    batch = upload(uworld.alice, write_xlsx(tmp_path / "again.xlsx", rows, HEADER))
    (error,) = batch.report["errors"]
    assert error["row"] == 2 and "already recorded" in error["message"]
    assert derived.get_absolute_url() in error["message"]
    assert commit(batch) is None
    assert Transaction.objects.count() == 1


def test_an_enterprise_s_typed_names_stay_names_outside_its_view(
    uworld, registry, upload, commit, tmp_path
):
    rows = [
        [
            "12110112MB0000000X",
            "示例甲科技有限公司",
            "201710117081.7",
            "",
            "转让",
            "",
            "2023-01-01",
            "",
            "",
        ]
    ]
    uworld.university.uscc = "12110112MB0000000X"
    uworld.university.save()
    batch = upload(uworld.erin, write_xlsx(tmp_path / "erin.xlsx", rows, HEADER))
    assert batch.report["error_rows"] == 0, batch.report
    assert commit(batch).status == JobStatus.SUCCEEDED
    t = Transaction.objects.get()
    # The credit code matched nothing she may view: kept as written, no name revealed.
    assert (t.assignor, t.assignor_name) == (None, "12110112MB0000000X")
    assert t.assignee == uworld.enterprise_a


def test_an_export_imports_again(uworld, registry, upload, commit, tmp_path, login):
    batch = upload(uworld.alice, write_xlsx(tmp_path / "t.xlsx", good_rows(), HEADER))
    assert commit(batch).status == JobStatus.SUCCEEDED
    fields = (
        "kind",
        "assignor_id",
        "assignor_name",
        "assignee_id",
        "assignee_name",
        "amount",
        "contract_date",
        "registration_number",
        "registration_date",
        "start_date",
        "end_date",
        "notes",
    )

    def snapshot():
        return sorted(
            (
                *(getattr(t, f) for f in fields),
                t.patent_numbers(),
                t.trademark_numbers(),
            )
            for t in Transaction.objects.prefetch_related("patents", "trademarks")
        )

    before = snapshot()
    response = login(uworld.alice).get(reverse("utilization:transaction_list"), {"export": "csv"})
    exported = tmp_path / "export.csv"
    exported.write_bytes(b"".join(response.streaming_content))
    Transaction.objects.all().delete()
    batch = upload(uworld.alice, exported)
    report = batch.report
    assert report["valid"] == 3 and report["error_rows"] == 0, report
    # Only the columns the import does not read are left aside.
    assert len(report["ignored_headers"]) == 4, report["ignored_headers"]
    assert commit(batch).status == JobStatus.SUCCEEDED
    assert snapshot() == before

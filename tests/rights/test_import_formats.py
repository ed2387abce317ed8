"""Importing patent exports in the CNIPA, incoPat and PatSnap layouts through the CLI path."""

import datetime as dt

import pytest

from ipcity.orgs.models import Organization
from ipcity.rights.choices import Attribution, AttributionSignal, LegalEventKind, PatentStatus
from ipcity.rights.imports import run_import
from ipcity.rights.models import LegalEvent, Patent, PatentHolder

from .exports import number, record, write


@pytest.fixture
def streets(world):
    from tests.factories import make_region

    make_region("110112104000", "宋庄镇", "town", parent=world.district)
    return world


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("layout", ["cnipa", "incopat", "patsnap"])
def test_each_layout_is_recognized_and_imported(streets, tmp_path, layout, suffix):
    path = write(
        tmp_path / f"export{suffix}",
        layout,
        [
            record(1, address="北京市通州区新华北路1号", status="授权", grant_date="20210301"),
            record(2, applicants="示例甲科技有限公司；北京测试大学", filing_date="44000"),
        ],
    )
    summary, _warnings, ok = run_import(path)
    assert ok, summary
    assert summary["rows"] == 2
    assert summary["created"] == 2
    assert summary["errors"] == []
    first = Patent.objects.get(application_number=number(1))
    assert first.title == "一种测试装置1"
    assert first.filing_date == dt.date(2020, 5, 12)
    assert first.main_ipc == "G06F16/00"
    assert first.source == layout
    second = Patent.objects.get(application_number=number(2))
    assert second.filing_date == dt.date(2020, 6, 18)  # Excel serial 44000
    names = list(second.holder_links.values_list("organization__name", "position"))
    assert names == [("示例甲科技有限公司", 1), ("北京测试大学", 2)]
    assert Organization.objects.get(name="北京测试大学").kind == "university"
    if layout != "cnipa":
        assert first.legal_status == PatentStatus.VALID
        assert first.grant_date == dt.date(2021, 3, 1)


def test_a_file_of_another_kind_is_refused_with_a_clear_message(world, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text("名称,地址\n示例,北京\n", encoding="utf-8")
    summary, _warnings, ok = run_import(path)
    assert not ok
    assert "申请号" in summary["errors"][0]["reason"]


def test_a_forced_layout_that_does_not_fit_is_refused(world, tmp_path):
    path = write(tmp_path / "x.csv", "patsnap", [record(1)])
    summary, _warnings, ok = run_import(path, layout="cnipa")
    assert not ok
    assert "CNIPA" in summary["errors"][0]["reason"]
    assert Patent.objects.count() == 0


def test_malformed_rows_write_nothing_unless_only_valid(world, tmp_path):
    path = write(
        tmp_path / "bad.csv",
        "incopat",
        [
            record(1),
            record(2, number="12345"),
            record(3, filing_date="2020-13-45"),
            record(4, citations="many"),
            record(5, applicants=""),
        ],
    )
    summary, _warnings, ok = run_import(path)
    assert not ok
    assert [e["row"] for e in summary["errors"]] == [3, 4, 5, 6]
    assert "not a CNIPA application number" in summary["errors"][0]["reason"]
    assert "not a date" in summary["errors"][1]["reason"]
    assert summary["created"] == 0
    assert Patent.objects.count() == 0

    summary, _warnings, ok = run_import(path, only_valid=True)
    assert ok
    assert summary["created"] == 1
    assert Patent.objects.count() == 1


def test_a_number_twice_in_one_file_is_a_row_error(world, tmp_path):
    path = write(tmp_path / "dup.xlsx", "cnipa", [record(1), record(2), record(1, title="又一次")])
    summary, _warnings, ok = run_import(path)
    assert not ok
    assert summary["errors"] == [{"row": 4, "reason": "申请号: Duplicate of row 2 (same 申请号)."}]


def test_a_bad_check_digit_keeps_the_row_flagged_with_a_warning(world, tmp_path):
    bad = number(7, good=False)
    path = write(tmp_path / "check.csv", "cnipa", [record(7, number=bad)])
    summary, warnings, ok = run_import(path)
    assert ok
    assert summary["created"] == 1
    patent = Patent.objects.get()
    assert patent.application_number == bad
    assert patent.number_check_ok is False
    assert warnings and warnings[0]["row"] == 2 and "check digit" in warnings[0]["reason"]


def test_reimport_updates_by_number_and_keeps_history(world, tmp_path):
    first = write(tmp_path / "a.csv", "incopat", [record(1, status="实质审查"), record(2)])
    run_import(first)
    second = write(
        tmp_path / "b.xlsx",
        "incopat",
        [record(1, status="授权", grant_date="2022.01.04"), record(2), record(3)],
    )
    summary, _warnings, ok = run_import(second)
    assert ok
    assert (summary["created"], summary["updated"]) == (1, 1)
    assert Patent.objects.count() == 3
    patent = Patent.objects.get(application_number=number(1))
    assert patent.legal_status == PatentStatus.VALID
    assert [h.legal_status for h in patent.history.order_by("history_date")] == [
        PatentStatus.PENDING,
        PatentStatus.VALID,
    ]
    assert PatentHolder.objects.filter(patent=patent).count() == 1
    assert LegalEvent.objects.filter(patent=patent, kind=LegalEventKind.GRANT).count() == 1
    run_import(second)
    assert LegalEvent.objects.filter(patent=patent).count() == 1
    assert Organization.objects.filter(name="示例甲科技有限公司").count() == 1


def test_statuses_events_families_and_citations_are_read(world, tmp_path):
    path = write(
        tmp_path / "rich.csv",
        "incopat",
        [
            record(1, status="未缴年费", validity="失效"),
            record(2, status="期限届满"),
            record(3, status="全部无效"),
            record(4, status="驳回"),
            record(5, status="视为撤回"),
            record(
                6,
                status="授权",
                validity="有效",
                family="CN111000006A; US2021123456A1",
                family_countries="CN;US",
                citations="3",
                cited_by="12",
                transfers="2",
                assignees="北京受让科技有限公司",
                pledges="1",
                pledgees="中国银行股份有限公司北京通州支行",
            ),
            record(7, family="CN111000007A;WO2021000001A1"),
        ],
    )
    summary, _warnings, ok = run_import(path)
    assert ok, summary
    status = dict(Patent.objects.values_list("application_number", "legal_status"))
    assert [status[number(i)] for i in range(1, 6)] == [
        PatentStatus.LAPSED,
        PatentStatus.EXPIRED,
        PatentStatus.INVALIDATED,
        PatentStatus.REJECTED,
        PatentStatus.WITHDRAWN,
    ]
    rich = Patent.objects.get(application_number=number(6))
    assert rich.family_countries == "CN;US"
    assert rich.overseas_granted_family is True
    assert (rich.citations, rich.cited_by) == (3, 12)
    events = {e.kind: e for e in rich.legal_events.all()}
    assert events[LegalEventKind.TRANSFER].counterparty == "北京受让科技有限公司"
    assert events[LegalEventKind.PLEDGE].counterparty == "中国银行股份有限公司北京通州支行"
    assert Patent.objects.get(application_number=number(7)).overseas_granted_family is False


def test_holders_match_by_credit_code_then_by_normalized_name(world, tmp_path):
    Organization.objects.create(name="北京示例（通州）科技有限公司", kind="enterprise")
    path = write(
        tmp_path / "holders.csv",
        "incopat",
        [
            record(1, applicants="改名后的甲公司", uscc="91110112MA01ABCD1X"),
            record(2, applicants="北京示例 (通州) 科技有限公司"),
            record(3, applicants="北京示例（通州）科技有限责任公司"),
        ],
    )
    summary, _warnings, ok = run_import(path)
    assert ok, summary
    holder = {
        p.application_number: p.holder_links.get().organization.name for p in Patent.objects.all()
    }
    assert holder[number(1)] == world.enterprise_a.name
    assert holder[number(2)] == "北京示例（通州）科技有限公司"
    assert holder[number(3)] == "北京示例（通州）科技有限责任公司"
    assert not Organization.objects.filter(name="改名后的甲公司").exists()


def test_attribution_signals_are_recorded(streets, tmp_path):
    path = write(
        tmp_path / "where.csv",
        "incopat",
        [
            record(1, applicants="甲一公司", district="通州区", city="北京市"),
            record(2, applicants="甲二公司", district="通州区", city="南通市"),
            record(3, applicants="甲三公司", uscc="91110112MA00000001"),
            record(4, applicants="甲四公司", uscc="91110000MA00000001"),
            record(5, applicants="甲五公司", address="北京市宋庄镇小堡村"),
            record(6, applicants="甲六公司", address="江苏省南通市通州区金沙镇"),
            record(7, applicants="甲七公司", address="新华北路1号"),
        ],
    )
    summary, _warnings, ok = run_import(path)
    assert ok, summary
    assert summary["attribution"] == {"in_district": 3, "outside": 2, "unresolved": 2}
    got = {
        p.application_number: (p.attribution, p.attribution_signal) for p in Patent.objects.all()
    }
    assert got[number(1)] == (Attribution.IN_DISTRICT, AttributionSignal.DISTRICT_FIELD)
    assert got[number(2)] == (Attribution.OUTSIDE, AttributionSignal.DISTRICT_FIELD)
    assert got[number(3)] == (Attribution.IN_DISTRICT, AttributionSignal.USCC)
    assert got[number(4)] == (Attribution.UNRESOLVED, AttributionSignal.NONE)
    assert got[number(5)] == (Attribution.IN_DISTRICT, AttributionSignal.ADDRESS)
    assert got[number(6)] == (Attribution.OUTSIDE, AttributionSignal.ADDRESS)
    assert got[number(7)] == (Attribution.UNRESOLVED, AttributionSignal.NONE)
    assert Patent.objects.get(application_number=number(5)).region.name == "宋庄镇"


def test_a_holder_link_to_insert_has_every_field_of_a_patent_holder():
    """The import inserts holder links as plain tuples; they must carry every column."""
    from ipcity.core.bulk import _insert_fields
    from ipcity.rights.imports.format import _Link
    from ipcity.rights.models import PatentHolder

    assert list(_Link._fields) == [f.attname for f in _insert_fields(PatentHolder)]


def test_a_new_holder_has_one_creation_record_in_its_history(world, tmp_path):
    path = write(tmp_path / "new.csv", "incopat", [record(1, applicants="新成立的乙科技有限公司")])
    _summary, _warnings, ok = run_import(path, user=world.alice)
    assert ok
    org = Organization.objects.get(name="新成立的乙科技有限公司")
    (entry,) = org.history.all()
    assert (entry.history_type, entry.history_user, entry.history_change_reason) == (
        "+",
        world.alice,
        None,  # as a single save() records it
    )
    assert entry.path == org.path == f"/{org.pk}/"
    assert (entry.name, entry.kind, entry.created_at) == (org.name, org.kind, org.created_at)

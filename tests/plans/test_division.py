"""The division of work table: deadlines, the layouts in use, unknown units, the export."""

import datetime as dt
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from ipcity.orgs.models import Organization
from ipcity.plans import actions_import as actions
from ipcity.plans.division import DivisionError, read_division, write_division
from ipcity.plans.models import PlanTask, TaskUnit
from ipcity.plans.parsing import parse_deadline, parse_text

SEED = Path(__file__).resolve().parents[2] / "src/ipcity/plans/data/tongzhou-ip-pilot-plan-2024.txt"
OFFICE = "区市场监督管理局（区知识产权局）"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2023年12月底", "2023-12-31"),
        ("2023年12月底前", "2023-12-31"),
        ("2024年6月", "2024-06-30"),
        ("2024年2月", "2024-02-29"),
        ("2024年3月15日", "2024-03-15"),
        ("2024年3月15日前完成", "2024-03-15"),
        ("2024.12", "2024-12-31"),
        ("2024-06", "2024-06-30"),
        ("2024/9/30", "2024-09-30"),
        ("2024-12-31 00:00:00", "2024-12-31"),
        ("2024年底", "2024-12-31"),
        ("2024年年底前", "2024-12-31"),
        ("2025年", "2025-12-31"),
        ("2024", "2024-12-31"),
        ("2024年上半年", "2024-06-30"),
        ("2024年下半年", "2024-12-31"),
        ("2024年第一季度", "2024-03-31"),
        ("2024年三季度", "2024-09-30"),
        ("2024Q2", "2024-06-30"),
        ("2024年Q4", "2024-12-31"),
        ("2024年6月至12月", "2024-12-31"),
        ("2024年—2026年", "2026-12-31"),
        ("2024-2026年", "2026-12-31"),
        ("二〇二四年三月十五日", "2024-03-15"),
        ("２０２４年６月底", "2024-06-30"),
        ("长期", None),
        ("持续推进", None),
        ("常态化开展", None),
        ("", None),
        ("尽快", None),
        ("2024年13月", None),
    ],
)
def test_deadline_texts_are_read_as_the_last_day_they_allow(text, expected):
    date = parse_deadline(text)
    assert (date.isoformat() if date else None) == expected


def write_xlsx(path, rows, merges=()):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for area in merges:
        sheet.merge_cells(area)
    workbook.save(path)
    return path


def test_the_simple_layout_is_read(tmp_path):
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [
            ["序号", "重点工作任务", "牵头单位", "配合单位", "完成时限"],
            [1, "实施专利质量提升行动", OFFICE, "区科学技术委员会、区财政局", "2023年12月底"],
            [2, "加快商标品牌培育", "区商务局", "", "长期"],
        ],
    )
    rows = [row.public() for row in read_division(path).rows]
    assert rows == [
        {
            "task": "实施专利质量提升行动",
            "lead_units": [OFFICE],
            "co_units": ["区科学技术委员会", "区财政局"],
            "deadline": "2023-12-31",
        },
        {"task": "加快商标品牌培育", "lead_units": ["区商务局"], "co_units": [], "deadline": None},
    ]


def test_a_title_row_a_two_row_header_heading_rows_and_merged_cells_are_understood(tmp_path):
    path = write_xlsx(
        tmp_path / "b.xlsx",
        [
            ["《工作方案》任务分工表"],
            ["序号", "工作任务", "责任单位", None, "完成期限"],
            [None, None, "主要责任单位", "协同配合单位", None],
            ["（一）完善知识产权创造机制"],
            [1, "实施专利质量提升行动", OFFICE, "区科委", "2024年6月"],
            [2, "加快商标品牌培育", None, "区商务局", None],
            [None, None, None, "区文化和旅游局", None],
        ],
        merges=["A1:E1", "C2:D2", "C5:C6", "E5:E6"],
    )
    table = read_division(path)
    assert table.mapping["lead"] == "主要责任单位"
    assert table.mapping["co"] == "协同配合单位"
    assert [(r.number, r.task) for r in table.rows] == [
        (1, "实施专利质量提升行动"),
        (2, "加快商标品牌培育"),
    ]
    second = table.rows[1]
    assert second.lead_units == [OFFICE]
    assert second.co_units == ["区商务局", "区文化和旅游局"]
    assert second.deadline == "2024-06-30"


def test_a_csv_table_with_other_header_synonyms_is_read(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "序号,重点任务,责任单位,配合部门,完成时间\n3,加强地理标志,区农业农村局,,2024.12\n",
        encoding="utf-8",
    )
    (row,) = read_division(path).rows
    assert (row.number, row.lead_units, row.deadline) == (3, ["区农业农村局"], "2024-12-31")


def test_a_table_without_the_needed_headers_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "d.xlsx", [["姓名", "电话"], ["张三", "123"]])
    with pytest.raises(DivisionError, match="No header row"):
        read_division(path)


def test_an_empty_or_broken_file_is_refused(tmp_path):
    empty = tmp_path / "e.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(DivisionError, match="empty"):
        read_division(empty)
    with pytest.raises(DivisionError):
        read_division(b"PK\x03\x04garbage", "f.xlsx")


# -- with a plan ----------------------------------------------------------------------------


@pytest.fixture
def plan(world):
    parsed = parse_text(SEED.read_text(encoding="utf-8"))
    return actions.save_parsed_plan(None, parsed)


def division_bytes(tmp_path, rows):
    header = ["序号", "重点工作任务", "牵头单位", "配合单位", "完成时限"]
    return write_xlsx(tmp_path / "div.xlsx", [header, *rows]).read_bytes()


def test_division_import_keeps_unknown_units_as_written_and_creates_no_organization(
    world, plan, tmp_path
):
    data = division_bytes(
        tmp_path,
        [
            [1, "实施专利质量提升行动", OFFICE, "区科学技术委员会、区融媒体中心", "2024年12月底"],
            [None, "加快商标品牌培育", "区某某不存在局", None, "持续推进"],
        ],
    )
    orgs = Organization.objects.count()
    draft = actions.create_division_draft(world.alice, plan, data, "div.xlsx")
    assert draft.data["units"]["区融媒体中心"]["status"] == "none"
    assert draft.data["units"][OFFICE]["organization"] == world.office.pk
    assert [r["matched_by"] for r in draft.data["rows"]] == ["title", "title"]

    summary = actions.apply_division(world.alice, draft, {})
    assert summary["tasks"] == 2
    assert summary["unmatched"] == ["区融媒体中心", "区某某不存在局"]
    assert Organization.objects.count() == orgs

    task1 = PlanTask.objects.get(plan=plan, number=1)
    assert task1.deadline == dt.date(2024, 12, 31)
    units = {(u.role, u.name_as_written): u.organization_id for u in task1.units.all()}
    assert units == {
        ("lead", OFFICE): world.office.pk,
        ("co", "区科学技术委员会"): world.unit.pk,
        ("co", "区融媒体中心"): None,
    }
    unmatched = actions.unmatched_units(world.alice, plan)
    assert [(u["name"], u["tasks"]) for u in unmatched] == [
        ("区某某不存在局", [2]),
        ("区融媒体中心", [1]),
    ]


def test_a_fuzzy_unit_is_set_only_once_a_person_confirms_it(world, plan, tmp_path):
    data = division_bytes(tmp_path, [[1, "实施专利质量提升行动", "区科委", None, None]])
    draft = actions.create_division_draft(world.alice, plan, data, "div.xlsx")
    assert draft.data["units"]["区科委"]["status"] == "fuzzy"
    actions.apply_division(world.alice, draft, {"units": {"区科委": str(world.unit.pk)}})
    unit = TaskUnit.objects.get(task__plan=plan, task__number=1)
    assert unit.organization_id == world.unit.pk

    draft2 = actions.create_division_draft(world.alice, plan, data, "div.xlsx")
    actions.apply_division(world.alice, draft2, {})
    assert TaskUnit.objects.get(task__plan=plan, task__number=1).organization_id is None


def test_a_draft_cannot_be_applied_twice(world, plan, tmp_path):
    data = division_bytes(tmp_path, [[1, "实施专利质量提升行动", OFFICE, None, None]])
    draft = actions.create_division_draft(world.alice, plan, data, "div.xlsx")
    actions.apply_division(world.alice, draft, {})
    with pytest.raises(Exception, match="already"):
        actions.apply_division(world.alice, draft, {})


def test_the_export_has_the_import_layout_and_reads_back(world, plan, tmp_path):
    data = division_bytes(
        tmp_path, [[1, "实施专利质量提升行动", OFFICE, "区融媒体中心", "2024年6月"]]
    )
    actions.apply_division(
        world.alice, actions.create_division_draft(world.alice, plan, data, "d.xlsx"), {}
    )
    tasks = PlanTask.objects.filter(plan=plan).prefetch_related("units__organization")
    content = write_division(tasks)
    sheet = load_workbook(BytesIO(content)).active
    assert [c.value for c in sheet[1]][:5] == [
        "序号",
        "重点工作任务",
        "牵头单位",
        "配合单位",
        "完成时限",
    ]
    assert sheet.max_row == 18
    back = read_division(content, "export.xlsx").rows[0]
    assert back.public() == {
        "task": "实施专利质量提升行动",
        "lead_units": ["通州区市场监督管理局（知识产权局）"],
        "co_units": ["区融媒体中心"],
        "deadline": "2024-06-30",
    }

"""`ipcity plan parse|import|parse-division`: JSON for scripts, with exact keys."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from ipcity.plans.models import Plan, PlanTask, TaskUnit

SEED = Path(__file__).resolve().parents[2] / "src/ipcity/plans/data/tongzhou-ip-pilot-plan-2024.txt"


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("plan", *map(str, args), stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def test_parse_prints_exactly_the_documented_structure_without_saving(db):
    data, err = run("parse", SEED)
    assert list(data) == [
        "title",
        "doc_number",
        "issuer",
        "date",
        "sections",
        "tasks",
        "safeguards",
        "attachments",
    ]
    assert (data["doc_number"], data["issuer"], data["date"]) == (
        "通政发〔2024〕11号",
        "北京市通州区人民政府",
        "2024-03-26",
    )
    assert list(data["sections"][2]) == ["number", "title", "children"]
    assert len(data["sections"][2]["children"]) == 5
    assert set(data["tasks"][0]) == {
        "number",
        "title",
        "text",
        "section",
        "lead_units",
        "co_units",
        "deadline",
    }
    assert [t["number"] for t in data["tasks"]] == list(range(1, 18))
    assert len(data["safeguards"]) == 3
    assert "（2）" in err
    assert not Plan.objects.exists()


def test_parse_of_an_empty_file_fails_with_a_message(db, tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("")
    with pytest.raises(CommandError, match="empty"):
        run("parse", path)
    with pytest.raises(CommandError, match="No such file"):
        run("parse", tmp_path / "missing.txt")


def test_import_saves_the_plan_and_prints_a_summary(world):
    summary, _err = run("import", SEED, "--user", "alice")
    assert list(summary) == ["plan", "title", "sections", "tasks", "units", "unmatched"]
    plan = Plan.objects.get(pk=summary["plan"])
    assert summary["tasks"] == 17 == PlanTask.objects.filter(plan=plan).count()
    assert summary["sections"] == 1 + 4 + 5 + 3  # preamble, parts, mechanisms, safeguards
    with pytest.raises(CommandError, match="already exists"):
        run("import", SEED)
    assert Plan.objects.count() == 1


def test_import_refuses_a_user_without_the_permission(world):
    with pytest.raises(CommandError, match="may not import"):
        run("import", SEED, "--user", "leo")
    assert not Plan.objects.exists()


def test_import_keeps_inline_units_it_cannot_match_as_written(world, tmp_path):
    path = tmp_path / "p.txt"
    path.write_text(
        "某某方案\n一、工作任务\n（一）机制\n"
        "1.做好甲工作。（区市场监督管理局（区知识产权局）牵头，区融媒体中心配合）\n",
        encoding="utf-8",
    )
    summary, _err = run("import", path)
    assert summary["unmatched"] == ["区融媒体中心"]
    units = dict(TaskUnit.objects.values_list("name_as_written", "organization_id"))
    assert units == {"区市场监督管理局（区知识产权局）": world.office.pk, "区融媒体中心": None}


def test_parse_division_prints_rows_with_exact_keys(db, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["序号", "工作任务", "主要责任单位", "协同配合单位", "完成期限"])
    sheet.append([1, "实施专利质量提升行动", "区市场监管局", "区科委、区财政局", "2023年12月底"])
    sheet.append([2, "加快商标品牌培育", "区商务局", None, "持续推进"])
    path = tmp_path / "div.xlsx"
    workbook.save(path)
    rows, _err = run("parse-division", path)
    assert rows == [
        {
            "task": "实施专利质量提升行动",
            "lead_units": ["区市场监管局"],
            "co_units": ["区科委", "区财政局"],
            "deadline": "2023-12-31",
        },
        {"task": "加快商标品牌培育", "lead_units": ["区商务局"], "co_units": [], "deadline": None},
    ]


def test_parse_division_of_a_file_without_headers_fails_with_a_message(db, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="No header row"):
        run("parse-division", path)

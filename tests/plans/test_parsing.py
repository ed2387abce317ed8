"""Reading a plan from the document as issued: the seed's exact structure, and the layouts and
accidents of real documents."""

from io import BytesIO
from pathlib import Path

import pytest

from ipcity.plans.parsing import ParseError, parse_document, parse_text, public_json

SEED = Path(__file__).resolve().parents[2] / "src/ipcity/plans/data/tongzhou-ip-pilot-plan-2024.txt"

SEED_TITLES = [
    "实施专利质量提升行动",
    "加快商标品牌培育",
    "加强地理标志、植物新品种培育",
    "大力发展文化创意、软件服务产业",
    "培育与建设一批知识产权优势、示范企业",
    "推进知识产权贯标工作",
    "加快知识产权转移转化",
    "探索开展知识产权金融服务，促进知识产权价值实现",
    "健全知识产权保护联合执法机制",
    "加强知识产权行政执法力度",
    "完善通州区知识产权联席会议制度",
    "完善全区知识产权行政管理体系",
    "加大落实优化知识产权激励政策",
    "完善知识产权服务业发展政策",
    "开展知识产权管家式服务",
    "强化知识产权宣传培训",
    "加强知识产权人才培养",
]


@pytest.fixture(scope="module")
def seed():
    return parse_text(SEED.read_text(encoding="utf-8"))


def test_the_seed_plan_has_its_header(seed):
    assert seed["title"] == "通州区国家知识产权强市建设试点城市工作方案"
    assert seed["doc_number"] == "通政发〔2024〕11号"
    assert seed["issuer"] == "北京市通州区人民政府"
    assert seed["date"] == "2024-03-26"
    assert seed["target_year"] == 2026
    assert seed["preamble"].startswith("为认真贯彻落实《知识产权强国建设纲要")


def test_the_seed_plan_has_four_parts_and_five_mechanisms(seed):
    parts = seed["sections"]
    assert [(p["number"], p["title"]) for p in parts] == [
        ("一、", "指导思想"),
        ("二、", "总体目标"),
        ("三、", "工作任务"),
        ("四、", "保障措施"),
    ]
    mechanisms = parts[2]["children"]
    assert [m["number"] for m in mechanisms] == ["（一）", "（二）", "（三）", "（四）", "（五）"]
    assert [m["title"] for m in mechanisms] == [
        "完善知识产权创造机制",
        "优化知识产权运用机制",
        "加强知识产权保护机制",
        "健全知识产权管理机制",
        "提升知识产权服务水平",
    ]
    assert {m["kind"] for m in mechanisms} == {"mechanism"}


def test_the_seed_plan_has_seventeen_tasks_with_their_titles(seed):
    assert [t["number"] for t in seed["tasks"]] == list(range(1, 18))
    assert [t["title"] for t in seed["tasks"]] == SEED_TITLES
    assert seed["tasks"][0]["text"].startswith("实施专利质量提升行动。推动专利从增量到提质的转变。")
    assert seed["tasks"][16]["text"].endswith("形成具有通州区特色的知识产权人才培养体系。")


def test_the_seed_tasks_belong_to_the_right_mechanisms(seed):
    by_section = {}
    for task in seed["tasks"]:
        by_section.setdefault(task["section"], []).append(task["number"])
    assert by_section == {
        "（一）": [1, 2, 3, 4],
        "（二）": [5, 6, 7, 8],
        "（三）": [9, 10],
        "（四）": [11, 12, 13],
        "（五）": [14, 15, 16, 17],
    }


def test_the_seed_has_three_safeguards_including_the_misnumbered_one(seed):
    assert [(s["number"], s["title"]) for s in seed["safeguards"]] == [
        ("（一）", "加强组织领导"),
        ("（二）", "加强经费保障"),
        ("（三）", "加强目标管理"),
    ]
    assert seed["safeguards"][1]["text"].startswith("区财政局要根据知识产权工作的推进")
    assert any("（2）" in w for w in seed["warnings"])


def test_the_seed_names_its_attachment_and_drops_the_distribution_block(seed):
    assert seed["attachments"] == ["《通州区国家知识产权强市建设试点城市工作方案》任务分工表"]
    assert "抄送" not in seed["safeguards"][2]["text"]
    assert "bookmark" not in str(seed)


def test_public_json_has_exactly_the_documented_keys(seed):
    data = public_json(seed)
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
    assert list(data["sections"][0]) == ["number", "title", "children"]
    assert list(data["tasks"][0]) == [
        "number",
        "title",
        "text",
        "section",
        "lead_units",
        "co_units",
        "deadline",
    ]


SMALL = """关于推进某项工作的实施方案
一、重点任务
（一）第一方面
{a}
{b}
（二）第二方面
{c}
二、保障措施
（一）加强组织
统筹推进。
"""


@pytest.mark.parametrize(
    "a,b,c",
    [
        ("1、做好甲工作。内容。", "2、做好乙工作。内容。", "3、做好丙工作。内容。"),
        ("1．做好甲工作。内容。", "2．做好乙工作。内容。", "3．做好丙工作。内容。"),
        ("（1）做好甲工作。内容。", "（2）做好乙工作。内容。", "（3）做好丙工作。内容。"),
        ("(1)做好甲工作。内容。", "(2)做好乙工作。内容。", "(3)做好丙工作。内容。"),
    ],
    ids=["1、", "1．", "（1）", "(1)"],
)
def test_tasks_numbered_in_any_common_style_are_read(a, b, c):
    plan = parse_text(SMALL.format(a=a, b=b, c=c))
    assert [(t["number"], t["title"], t["section"]) for t in plan["tasks"]] == [
        (1, "做好甲工作", "（一）"),
        (2, "做好乙工作", "（一）"),
        (3, "做好丙工作", "（二）"),
    ]
    assert [s["title"] for s in plan["safeguards"]] == ["加强组织"]


def test_paren_numbers_inside_a_dotted_task_stay_in_its_text():
    text = SMALL.format(
        a="1.做好甲工作。具体包括：",
        b="（1）第一点；\n（2）第二点。\n2.做好乙工作。",
        c="3.做好丙工作。",
    )
    plan = parse_text(text)
    assert [t["number"] for t in plan["tasks"]] == [1, 2, 3]
    assert "（1）第一点；\n（2）第二点。" in plan["tasks"][0]["text"]


def test_inline_units_in_the_verb_form_become_lead_and_cooperating_units():
    text = SMALL.format(
        a="1.做好甲工作（市场监管总局、知识产权局负责）。内容。",
        b="2.做好乙工作。内容。（区科委牵头，区财政局、区商务局配合）",
        c="3.做好丙工作。",
    )
    tasks = parse_text(text)["tasks"]
    assert tasks[0]["title"] == "做好甲工作"
    assert (tasks[0]["lead_units"], tasks[0]["co_units"]) == (["市场监管总局", "知识产权局"], [])
    assert tasks[1]["lead_units"] == ["区科委"]
    assert tasks[1]["co_units"] == ["区财政局", "区商务局"]
    assert tasks[2]["lead_units"] == []


def test_inline_units_in_the_labelled_form_keep_brackets_inside_unit_names():
    text = SMALL.format(
        a="1.做好甲工作。（牵头单位：区市场监督管理局（区知识产权局）；"
        "配合单位：区科委，区财政局；完成时限：2024年12月底）",
        b="2.做好乙工作（责任单位：区农业农村局）。",
        c="3.做好丙工作。",
    )
    tasks = parse_text(text)["tasks"]
    assert tasks[0]["lead_units"] == ["区市场监督管理局（区知识产权局）"]
    assert tasks[0]["co_units"] == ["区科委", "区财政局"]
    assert tasks[0]["deadline"] == "2024-12-31"
    assert tasks[1]["lead_units"] == ["区农业农村局"]
    assert tasks[1]["title"] == "做好乙工作"


def test_brackets_that_are_prose_are_not_read_as_units():
    text = SMALL.format(
        a="1.落实《纲要（2021—2035年）》要求（国知发运字〔2024〕2号）。",
        b="2.做好乙工作（包括负责人培训等内容。）",
        c="3.做好丙工作。",
    )
    tasks = parse_text(text)["tasks"]
    assert all(not t["lead_units"] and not t["co_units"] for t in tasks)


def test_traditional_characters_are_read():
    text = """關於印發《某區知識產權工作方案》的通知
一、工作任務
（一）完善機制
1.實施專利質量提升行動。推動發展。（區科委負責）
2.加強商標品牌培育（牽頭單位：區市場監管局；配合單位：區財政局）。
二、保障措施
（一）加強組織領導
統籌部署。
"""
    plan = parse_text(text)
    assert plan["title"] == "某区知识产权工作方案"
    assert [t["title"] for t in plan["tasks"]] == ["实施专利质量提升行动", "加强商标品牌培育"]
    assert plan["tasks"][0]["lead_units"] == ["区科委"]
    assert plan["tasks"][1]["lead_units"] == ["区市场监管局"]
    assert plan["tasks"][1]["co_units"] == ["区财政局"]
    assert plan["safeguards"][0]["title"] == "加强组织领导"


def test_stray_markup_page_numbers_and_half_width_punctuation_are_ignored():
    text = """[bookmark: _Toc1]某某工作方案
[bookmark: _Toc2]一、工作任务
(一)完善机制
1. 实施<b>专利</b>质量提升行动。推动发展。
- 3 -
2, 不是任务的一行
２．加快商标品牌培育。内容。
— 4 —
第5页 共9页
二、保障措施
(1)加强组织领导
统筹部署。
(2) 加强经费保障
保障经费。
"""
    plan = parse_text(text)
    assert [t["title"] for t in plan["tasks"]] == ["实施专利质量提升行动", "加快商标品牌培育"]
    assert "- 3 -" not in plan["tasks"][0]["text"]
    assert "<b>" not in plan["tasks"][0]["text"]
    assert [(s["number"], s["title"]) for s in plan["safeguards"]] == [
        ("（一）", "加强组织领导"),
        ("（二）", "加强经费保障"),
    ]


def test_paragraphs_broken_across_lines_are_joined():
    text = """某某工作方案
一、工作任务
（一）完善知识产权创造
机制
1.实施专利质量
提升行动。推动专利从增量到提质
的转变。
2.加快商标品牌培育。发挥政策
引导作用。
"""
    plan = parse_text(text)
    assert plan["sections"][0]["children"][0]["title"] == "完善知识产权创造机制"
    first = plan["tasks"][0]
    assert first["title"] == "实施专利质量提升行动"
    assert first["text"] == "实施专利质量提升行动。推动专利从增量到提质的转变。"
    assert plan["tasks"][1]["text"] == "加快商标品牌培育。发挥政策引导作用。"


def test_numbering_that_restarts_per_mechanism_is_renumbered_with_a_warning():
    text = SMALL.format(a="1.甲。", b="2.乙。", c="1.丙。")
    plan = parse_text(text)
    assert [t["number"] for t in plan["tasks"]] == [1, 2, 3]
    assert plan["warnings"]


def test_attachments_named_one_per_line_are_listed():
    text = SMALL.format(a="1.甲。", b="2.乙。", c="3.丙。") + (
        "附件：1.任务分工表\n      2.重点指标表\n\n附件1\n任务分工表\n序号 任务\n"
    )
    assert parse_text(text)["attachments"] == ["任务分工表", "重点指标表"]


@pytest.mark.parametrize("text", ["", "   \n\n  ", "- 1 -\n- 2 -\n"])
def test_an_empty_document_is_refused_with_a_clear_message(text):
    with pytest.raises(ParseError, match="empty"):
        parse_text(text)


def test_a_document_without_numbered_tasks_is_refused():
    with pytest.raises(ParseError, match="No numbered tasks"):
        parse_text("这是一封普通的信。\n没有任何编号的任务。\n")


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".doc"),
        (b"%PDF-1.7 ...", "PDF"),
        (b"PK\x03\x04 not really a zip", "Word document"),
        (bytes(range(256)) * 4, "neither"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(data, message):
    with pytest.raises(ParseError, match=message):
        parse_document(data, "plan.docx")


def test_a_gb18030_text_file_is_read():
    plan = parse_document(SEED.read_text(encoding="utf-8").encode("gb18030"), "plan.txt")
    assert len(plan["tasks"]) == 17


def docx_bytes(paragraphs) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_word_document_parses_like_its_text():
    lines = SEED.read_text(encoding="utf-8").splitlines()
    plan = parse_document(docx_bytes(lines), "plan.docx")
    assert plan["doc_number"] == "通政发〔2024〕11号"
    assert [t["title"] for t in plan["tasks"]] == SEED_TITLES
    assert len(plan["safeguards"]) == 3
    assert len(plan["sections"][2]["children"]) == 5

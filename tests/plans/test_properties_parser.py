"""Property-based tests of the plan parser (`ipcity.plans.parsing`).

- any text or file gives a plan or `ParseError`, never another exception;
- a plan generated with the numbering styles real plans use (一、 / （一） / 1. 1、 （1） …) is read
  back to the structure it was written with: numbers, titles, order, sections, safeguards;
- the layout noise the parser claims to ignore (blank lines, surrounding whitespace, page
  numbers, converter markup, invisible characters, CR/LF) changes nothing, and lines broken by
  the layout are joined as documented;
- the seed plan keeps its 17 tasks under the same noise;
- deadlines written as plans write them are read as the last day they allow.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import itertools
import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ipcity.plans.parsing import (
    ParseError,
    parse_deadline,
    parse_document,
    parse_text,
    public_json,
)
from ipcity.plans.parsing.text import cn_number, to_simplified
from tests.plans.test_parsing import SEED, SEED_TITLES

PROPS = settings(max_examples=60, deadline=None, database=None)
FUZZ = settings(max_examples=150, deadline=None, database=None)

# -- generated plans -----------------------------------------------------------------------------

# Characters for generated titles and text. Left out on purpose: numerals, and the characters of
# what the parser reads as structure or keywords (任务/措施/重点/行动 mark a task part; 保障, 目标,
# 思想, 要求, 原则, 意义 and 组织实施 mark other parts; 年月日 make dates, 文件 a masthead, 附件 an
# attachment, 〔〕号 a document number; brackets hold responsible units). Characters the
# traditional-to-simplified table would change are dropped as well.
_CANDIDATES = (
    "推进完善加快建设培育提升优化发展创新服务运用企业产业品牌专利商标质量体系机制制度平台人才宣传"
    "培训金融区域特色示范融合数据信息合作交流开放资源环境规范监督健全强化深化落实统筹协调知识产权"
)
ALPHABET = "".join(sorted({ch for ch in _CANDIDATES if to_simplified(ch) == ch}))
words = st.text(alphabet=ALPHABET, min_size=2, max_size=12)

CN_DIGITS = "〇一二三四五六七八九"


def cn(n: int) -> str:
    """1 → 一, 10 → 十, 17 → 十七, 40 → 四十, 99 → 九十九 (as plans number their sections)."""
    tens, ones = divmod(n, 10)
    if not tens:
        return CN_DIGITS[ones]
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


# How tasks are numbered in real plans; one style per document.
TASK_STYLES = ["{n}.", "{n}. ", "{n}、", "{n}．", "{n}）", "（{n}）", "({n})"]
PART_MARKS = ["、", "．", "."]
SUB_STYLES = ["（{n}）", "({n})", "（{n}）、"]

task = st.tuples(words, st.one_of(st.just(""), words.map(lambda w: w + "。")))


@st.composite
def plans(draw) -> dict:
    """A plan as a structure: optional guiding-thought part, 1-4 task parts (tasks directly or
    under sub-sections), optional safeguards part."""
    parts = []
    if draw(st.booleans()):
        parts.append({"kind": "prose", "title": "指导思想", "text": draw(words) + "。"})
    keyword_titles = draw(st.booleans())  # "…任务" titles make the parser pick task parts
    for _ in range(draw(st.integers(1, 4))):
        title = draw(words) + ("任务" if keyword_titles else "")
        if draw(st.booleans()):
            subs = draw(
                st.lists(
                    st.fixed_dictionaries(
                        {"title": words, "tasks": st.lists(task, min_size=1, max_size=3)}
                    ),
                    min_size=1,
                    max_size=4,
                )
            )
            parts.append({"kind": "subs", "title": title, "subs": subs})
        else:
            tasks = draw(st.lists(task, min_size=1, max_size=4))
            parts.append({"kind": "tasks", "title": title, "tasks": tasks})
    if draw(st.booleans()):
        items = draw(
            st.lists(st.tuples(words, words.map(lambda w: w + "。")), min_size=1, max_size=3)
        )
        parts.append({"kind": "safeguards", "title": "保障措施", "items": items})
    return {
        "title": draw(words) + "工作方案",
        "task_style": draw(st.sampled_from(TASK_STYLES)),
        "part_mark": draw(st.sampled_from(PART_MARKS)),
        "sub_style": draw(st.sampled_from(SUB_STYLES)),
        "inline_safeguard_text": draw(st.booleans()),
        "parts": parts,
    }


def items(plan: dict) -> list[tuple[str, str, str]]:
    """The plan's lines as a document would have them, as (kind, marker, rest)."""
    out = [("title", "", plan["title"])]
    n = 0
    for i, part in enumerate(plan["parts"], 1):
        out.append(("heading", f"{cn(i)}{plan['part_mark']}", part["title"]))
        if part["kind"] == "prose":
            out.append(("text", "", part["text"]))
        elif part["kind"] == "safeguards":
            for j, (title, text) in enumerate(part["items"], 1):
                marker = plan["sub_style"].format(n=cn(j))
                if plan["inline_safeguard_text"]:
                    out.append(("heading with text", marker, f"{title}。{text}"))
                else:
                    out += [("heading", marker, title), ("text", "", text)]
        else:
            groups = part["subs"] if part["kind"] == "subs" else [{"title": None, **part}]
            for j, group in enumerate(groups, 1):
                if group["title"] is not None:
                    out.append(("heading", plan["sub_style"].format(n=cn(j)), group["title"]))
                for title, body in group["tasks"]:
                    n += 1
                    out.append(("task", plan["task_style"].format(n=n), f"{title}。{body}"))
    return out


def render(plan: dict) -> list[str]:
    return [marker + rest for _kind, marker, rest in items(plan)]


def expected(plan: dict) -> dict:
    """The public form the parser should give for `render(plan)`."""
    sections, tasks, safeguards = [], [], []
    n = 0
    for i, part in enumerate(plan["parts"], 1):
        part_number = f"{cn(i)}、"
        children = []
        if part["kind"] == "safeguards":
            for j, (title, text) in enumerate(part["items"], 1):
                children.append({"number": f"（{cn(j)}）", "title": title, "children": []})
                safeguards.append({"number": f"（{cn(j)}）", "title": title, "text": text})
        elif part["kind"] != "prose":
            groups = part["subs"] if part["kind"] == "subs" else [{"title": None, **part}]
            for j, group in enumerate(groups, 1):
                section = part_number
                if group["title"] is not None:
                    section = f"（{cn(j)}）"
                    children.append({"number": section, "title": group["title"], "children": []})
                for title, body in group["tasks"]:
                    n += 1
                    tasks.append(
                        {
                            "number": n,
                            "title": title,
                            "text": f"{title}。{body}",
                            "section": section,
                            "lead_units": [],
                            "co_units": [],
                            "deadline": None,
                        }
                    )
        sections.append({"number": part_number, "title": part["title"], "children": children})
    return {
        "title": plan["title"],
        "doc_number": "",
        "issuer": "",
        "date": None,
        "sections": sections,
        "tasks": tasks,
        "safeguards": safeguards,
        "attachments": [],
    }


@PROPS
@given(plan=plans())
def test_a_generated_plan_is_read_back_to_its_structure(plan):
    parsed = parse_text("\n".join(render(plan)))
    assert public_json(parsed) == expected(plan)
    assert parsed["warnings"] == []


# -- layout noise ---------------------------------------------------------------------------------

SURROUNDING = st.text(alphabet=" \t\u3000\xa0", max_size=3)
NOISE_LINES = st.sampled_from(
    ["", "   ", "\u3000\u3000", "\t", "- 3 -", "— 12 —", "第3页 共9页", "第 4 页", "7/10", "15"]
)
MARKUP = st.sampled_from(["", "", "[bookmark: _Toc439805161]", "[bookmark: _GoBack]", "<p>"])
INVISIBLE = "\u200b\ufeff\u00ad"


@st.composite
def noisy(draw, lines: list[str]) -> str:
    """`lines` with blank and page-number lines between them, whitespace around them, converter
    markup in front of them, invisible characters inside them and any line ending."""
    out = []
    for line in lines:
        out += draw(st.lists(NOISE_LINES, max_size=2))
        if line and draw(st.booleans()):
            at = draw(st.integers(0, len(line)))
            line = line[:at] + draw(st.sampled_from(INVISIBLE)) + line[at:]
        out.append(draw(SURROUNDING) + draw(MARKUP) + line + draw(SURROUNDING))
    out += draw(st.lists(NOISE_LINES, max_size=2))
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(out)


@PROPS
@given(data=st.data(), plan=plans())
def test_layout_noise_changes_nothing(data, plan):
    lines = render(plan)
    text = data.draw(noisy(lines))
    assert public_json(parse_text(text)) == public_json(parse_text("\n".join(lines)))


@PROPS
@given(data=st.data(), plan=plans())
def test_task_lines_broken_by_the_layout_are_joined(data, plan):
    """A line that opens no numbered item continues the task above it: joined without a break
    inside a sentence, as a new paragraph after a full stop."""
    want = expected(plan)
    lines = []
    tasks = iter(want["tasks"])
    for kind, marker, rest in items(plan):
        if kind != "task":
            lines.append(marker + rest)
            continue
        task = next(tasks)
        title, _stop, body = rest.partition("。")
        if body and data.draw(st.booleans(), label="break after the first sentence"):
            lines += [f"{marker}{title}。", body]
            task["text"] = f"{title}。\n{body}"
        else:
            at = data.draw(st.integers(1, len(title) - 1), label="break inside the title")
            lines += [marker + title[:at], rest[at:]]
    assert public_json(parse_text("\n".join(lines))) == want


@PROPS
@given(data=st.data(), plan=plans())
def test_a_heading_broken_over_two_lines_keeps_its_title(data, plan):
    """（一）完善知识产权创造 / 机制: a short tail without punctuation completes the heading."""
    lines = []
    for kind, marker, rest in items(plan):
        if kind == "heading" and data.draw(st.booleans()):
            at = data.draw(st.integers(max(1, len(rest) - 12), len(rest) - 1))
            lines += [marker + rest[:at], rest[at:]]
        else:
            lines.append(marker + rest)
    assert public_json(parse_text("\n".join(lines))) == expected(plan)


# -- the seed plan ---------------------------------------------------------------------------------

SEED_TEXT = SEED.read_text(encoding="utf-8")
SEED_PLAN = public_json(parse_text(SEED_TEXT))


def test_the_seed_plan_has_the_seventeen_tasks_the_parsing_tests_expect():
    assert [t["number"] for t in SEED_PLAN["tasks"]] == list(range(1, 18))
    assert [t["title"] for t in SEED_PLAN["tasks"]] == SEED_TITLES


@settings(max_examples=12, deadline=None, database=None)
@given(data=st.data())
def test_the_seed_plan_survives_layout_noise(data):
    lines = [line.strip() for line in SEED_TEXT.splitlines()]
    # Noise only between lines that are not blank: the attachment list ends at a blank line.
    text = data.draw(noisy([line for line in lines if line]))
    assert public_json(parse_text(text)) == SEED_PLAN


# -- robustness ------------------------------------------------------------------------------------

# Well-formed markers only: malformed Chinese numerals are a known crash (see below).
MARKERS = st.one_of(
    st.integers(1, 99).map(lambda n: cn(n) + "、"),
    st.integers(1, 99).map(lambda n: f"（{cn(n)}）"),
    st.integers(0, 999).map(lambda n: f"{n}."),
    st.integers(0, 99).map(lambda n: f"({n})"),
    st.sampled_from(["附件：", "附件1", "抄送：", "北京市通州区人民政府文件", "- 3 -", ""]),
)
FRAGMENTS = st.one_of(
    words,
    st.sampled_from(
        [
            "。",
            "，",
            "：",
            "（",
            "）",
            "(",
            ")",
            "2024年3月26日",
            "二〇二四年三月二十六日",
            "通政发〔2024〕11号",
            "关于印发《",
            "》的通知",
            "工作任务",
            "保障措施",
            "总体目标",
            "到2026年",
            "（牵头单位：区科委（区知识产权局）；配合单位：区财政局；完成时限：2024年底）",
            "（区科委负责，区财政局配合）",
            "完成时限：2024年第三季度",
            "[bookmark: _Toc1]",
            "<b>",
            "  ",
            "\u3000",
        ]
    ),
    st.text(alphabet="0123456789.、；;，,：:年月日号()（）《》〔〕\u200b ", max_size=5),
)
plan_like = st.lists(
    st.tuples(MARKERS, st.lists(FRAGMENTS, max_size=5).map("".join)).map("".join), max_size=25
).map("\n".join)


def check_plan(plan: dict) -> None:
    """What holds of every plan the parser returns."""
    numbers = [t["number"] for t in plan["tasks"]]
    assert numbers and all(b > a for a, b in itertools.pairwise(numbers))
    known = {""}
    stack = list(plan["sections"])
    while stack:
        node = stack.pop()
        known.add(node["number"])
        stack += node["children"]
    assert {t["section"] for t in plan["tasks"]} <= known
    json.dumps(public_json(plan))


@FUZZ
@given(text=st.one_of(st.text(), plan_like))
@example(text="")
@example(text="1.")
@example(text="（1）\n（2）\n（3）")
@example(text="附件：\n1.甲")
def test_any_text_gives_a_plan_or_a_parse_error(text):
    try:
        plan = parse_text(text)
    except ParseError as exc:
        assert str(exc)
        return
    check_plan(plan)


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b),
        st.binary(max_size=200).map(lambda b: b"\xff\xfe" + b),
        plan_like.map(lambda t: t.encode("gb18030")),
    ),
    name=st.sampled_from(["plan.docx", "plan.txt", ""]),
)
def test_any_file_gives_a_plan_or_a_parse_error(data, name):
    try:
        plan = parse_document(data, name)
    except ParseError as exc:
        assert str(exc)
        return
    check_plan(plan)


MALFORMED_NUMERALS = st.text(alphabet="一二三四五六七八九十", min_size=1, max_size=3)
MALFORMED_TEMPLATES = [
    "{n}、工作任务\n1.做好工作。",
    "一、工作任务\n（{n}）完善机制\n1.做好工作。",
    "某某工作方案\n2024年1月{n}日\n一、工作任务\n1.做好工作。",
    "一、工作任务\n1.做好工作（牵头单位：区科委；完成时限：2024年{n}月）。",
]


@settings(max_examples=60, deadline=None, database=None)
@given(numeral=MALFORMED_NUMERALS, template=st.sampled_from(MALFORMED_TEMPLATES))
@example(numeral="二二十", template=MALFORMED_TEMPLATES[0])
def test_malformed_chinese_numerals_give_a_plan_or_a_parse_error(numeral, template):
    with contextlib.suppress(ParseError):
        parse_text(template.format(n=numeral))


@PROPS
@given(n=st.integers(1, 99))
def test_chinese_numerals_read_back(n):
    assert cn_number(cn(n)) == n
    assert cn_number(str(n)) == n


@FUZZ
@given(text=st.one_of(MALFORMED_NUMERALS, st.text()))
@example(text="十十十")
def test_cn_number_returns_a_number_or_none(text):
    value = cn_number(text)
    assert value is None or isinstance(value, int)


# -- deadlines -------------------------------------------------------------------------------------

dates = st.dates(dt.date(1901, 1, 1), dt.date(2199, 12, 31))


def cn_year(year: int) -> str:
    return "".join("〇一二三四五六七八九"[int(d)] for d in str(year))


def last_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@PROPS
@given(day=dates)
def test_a_full_date_is_the_deadline(day):
    y, m, d = day.year, day.month, day.day
    for written in (
        f"{y}年{m}月{d}日",
        f"{y} 年 {m:02d} 月 {d:02d} 日前",
        f"{y}-{m:02d}-{d:02d}",
        f"{y}.{m}.{d}",
        f"{y}/{m}/{d}",
        f"{cn_year(y)}年{cn(m)}月{cn(d)}日",
    ):
        assert parse_deadline(written) == day, written
    assert parse_deadline(day) == day


@PROPS
@given(day=dates)
def test_a_month_a_quarter_a_half_and_a_year_end_on_their_last_day(day):
    y, m = day.year, day.month
    quarter = (m - 1) // 3 + 1
    assert parse_deadline(f"{y}年{m}月") == last_of_month(y, m)
    assert parse_deadline(f"{y}年{m}月底") == last_of_month(y, m)
    assert parse_deadline(f"{y}年第{cn(quarter)}季度") == last_of_month(y, quarter * 3)
    assert parse_deadline(f"{y}Q{quarter}") == last_of_month(y, quarter * 3)
    assert parse_deadline(f"{y}年上半年") == dt.date(y, 6, 30)
    assert parse_deadline(f"{y}年下半年") == dt.date(y, 12, 31)
    assert parse_deadline(f"{y}年底") == dt.date(y, 12, 31)


@PROPS
@given(first=dates, second=dates)
def test_the_latest_of_several_dates_is_the_deadline(first, second):
    text = (
        f"{first.year}年{first.month}月{first.day}日至{second.year}年{second.month}月{second.day}日"
    )
    assert parse_deadline(text) == max(first, second)


@PROPS
@given(day=dates, month=st.integers(1, 12))
def test_a_second_month_borrows_the_first_ones_year(day, month):
    text = f"{day.year}年{day.month}月{day.day}日至{month}月"
    assert parse_deadline(text) == max(day, last_of_month(day.year, month))


@FUZZ
@given(text=st.one_of(st.text(), plan_like, st.lists(FRAGMENTS, max_size=6).map("".join)))
def test_any_text_gives_a_deadline_or_none(text):
    result = parse_deadline(text)
    assert result is None or (isinstance(result, dt.date) and 1900 < result.year < 2200)

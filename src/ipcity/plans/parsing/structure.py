"""The plan's structure read from its cleaned lines: the header (title, document number, issuer,
date), the numbered parts (一、), their sub-sections (（一）), the numbered tasks (1. / 1、 /
（1）) with the units named inline, the safeguards and the attachments named at the end.

Line breaks are not trusted: a line that does not open a numbered item continues the item
above it (joined without a break when the line before it did not end a sentence).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .deadlines import parse_deadline
from .text import ParseError, clean_lines, cn_number, find_date, to_cn_number
from .units import extract_responsibility

PART = re.compile(r"^([一二三四五六七八九十]{1,3})\s*[、.．,，]\s*(.*)$")
SUB = re.compile(r"^[（(]\s*([一二三四五六七八九十]{1,3})\s*[）)]\s*[、.．]?\s*(.*)$")
PAREN_NUM = re.compile(r"^[（(]\s*(\d{1,2})\s*[）)]\s*[、.．]?\s*(.*)$")
DOT_NUM = re.compile(r"^(\d{1,3})\s*[.．、）)](?![\d.．])\s*(.*)$")
ATTACHMENT = re.compile(r"^附\s*件\s*(\d{0,2})\s*(?:[：:]\s*(.*)|(?:[.．、]\s*(.*))?)$")
DOC_NUMBER = re.compile(
    r"([\u4e00-\u9fa5]{1,16})\s*[〔\[【(（]\s*(\d{4})\s*[〕\]】)）]\s*(?:第\s*)?(\d{1,5})\s*号"
)
MASTHEAD = re.compile(r"^(.{2,40}?)\s*文\s*件$")
NOTICE_TITLE = re.compile(r"关于(?:印发|转发|发布)\s*《(.+?)》\s*的通知")
ORG_SUFFIX = re.compile(r"(?:政府|委员会|办公室|办公厅|局|委|厅|院|部|中心|会|处|组)$")
STANDALONE_DATE = re.compile(r"^[（(]?\s*\S{0,4}年.{1,4}月.{1,4}日\s*[）)]?$")
TERMINAL = "。！？；：…”』」"
TASK_PART = re.compile(r"任务|措施|举措|重点|主要工作|工作内容|行动")
NOT_TASK_PART = re.compile(r"保障|要求|目标|思想|原则|意义|组织实施")
SAFEGUARD_PART = re.compile(r"保障")
TARGET_YEAR = re.compile(r"到\s*(\d{4})\s*年")
SHORT_HEADING_TAIL = 12


@dataclass
class _Node:
    key: str
    kind: str
    number: str
    value: int
    title: str
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)  # text fragments as read

    def add_text(self, line: str, new_paragraph: bool) -> None:
        _append(self.parts, line, new_paragraph)

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "kind": self.kind,
            "number": self.number,
            "title": self.title,
            "text": self.text,
            "children": [child.as_dict() for child in self.children],
        }


@dataclass
class _Task:
    written: int
    node: _Node | None
    parts: list[str] = field(default_factory=list)

    def add_text(self, line: str, new_paragraph: bool) -> None:
        _append(self.parts, line, new_paragraph)


def _append(parts: list[str], line: str, new_paragraph: bool) -> None:
    """Join a line to the fragments: a new paragraph after a blank line or a finished sentence,
    otherwise the same paragraph broken by the layout (Chinese needs no space)."""
    if parts and (new_paragraph or parts[-1].endswith(tuple(TERMINAL))):
        parts.append("\n")
    parts.append(line)


def first_sentence(text: str) -> str:
    head = text.strip().split("\n", 1)[0]
    head = head.split("。", 1)[0]
    return head.strip(" ，,；;：:").strip()[:300]


def _split_heading(rest: str) -> tuple[str, str]:
    """'加强组织领导。统筹部署…' → ('加强组织领导', '统筹部署…'); a bare heading has no text."""
    title, sep, text = rest.partition("。")
    if sep and text.strip():
        return title.strip(), text.strip()
    return rest.strip().rstrip("。"), ""


class _Reader:
    def __init__(self, lines: list[str]):
        self.lines = lines
        self.parts: list[_Node] = []
        self.tasks: list[_Task] = []
        self.attachments: list[str] = []
        self.warnings: list[str] = []
        self.part: _Node | None = None
        self.sub: _Node | None = None
        self.target = None
        self.blank = False
        self.orphans: list[_Node] = []  # sub-sections before any part
        self.last_paren_task = 0  # the last task numbered （n）
        self.paren_points = 0  # the last （n） point inside the current item's text

    # -- layout decisions made once for the whole document -----------------------------------

    def plan_layout(self, body: list[str]) -> None:
        self.dot_tasks = any(DOT_NUM.match(line) for line in body)
        titles = [m[2] for line in body if (m := PART.match(line))]
        self.task_parts = any(TASK_PART.search(t) and not NOT_TASK_PART.search(t) for t in titles)

    def in_task_part(self) -> bool:
        if self.part is not None and SAFEGUARD_PART.search(self.part.title):
            return False
        if not self.task_parts or self.part is None:
            return True
        return bool(TASK_PART.search(self.part.title) and not NOT_TASK_PART.search(self.part.title))

    # -- structure ---------------------------------------------------------------------------

    def open_part(self, numeral: str, rest: str) -> None:
        value = cn_number(numeral)
        expected = len(self.parts) + 1
        if value != expected:
            self.warnings.append(
                _("Part %(found)s、 follows part %(prev)s、; check the numbering.")
                % {"found": numeral, "prev": to_cn_number(expected - 1) if expected > 1 else "—"}
            )
        title, text = _split_heading(rest)
        node = _Node(str(len(self.parts) + 1), "part", f"{numeral}、", value, title)
        if text:
            node.add_text(text, True)
        self.parts.append(node)
        self.part, self.sub, self.target = node, None, node
        self.paren_points = 0

    def open_sub(self, value: int, rest: str, written: str) -> None:
        parent = self.part
        siblings = parent.children if parent else self.orphans
        kind = "safeguard" if parent and SAFEGUARD_PART.search(parent.title) else "mechanism"
        title, text = _split_heading(rest)
        key = f"{parent.key}.{len(siblings) + 1}" if parent else f"0.{len(siblings) + 1}"
        node = _Node(key, kind, f"（{to_cn_number(value)}）", value, title, parent=parent)
        if written != node.number:
            self.warnings.append(
                _("%(written)s %(title)s was read as %(number)s.")
                % {"written": written, "title": title, "number": node.number}
            )
        if text:
            node.add_text(text, True)
        siblings.append(node)
        self.sub, self.target = node, node
        self.paren_points = 0

    def open_task(self, written: int, rest: str) -> None:
        task = _Task(written, self.sub or self.part)
        task.add_text(rest, True)
        self.tasks.append(task)
        self.target = task
        self.paren_points = 0

    def add_text(self, line: str) -> None:
        target = self.target
        if target is None:
            return
        if (
            isinstance(target, _Node)
            and not target.parts
            and "。" not in target.title
            and len(line) <= SHORT_HEADING_TAIL
            and not re.search(r"[，,。；;：:、]", line)
            and not self.blank
        ):
            # A heading broken over two lines: （一）完善知识产权创造 / 机制
            target.title += line
            return
        target.add_text(line, self.blank)

    def paren_is_sub(self, n: int) -> bool:
        """（2） where （二） was meant: it continues the part's sub-section sequence and does not
        continue a run of （1）（2） tasks or points. In a part without tasks (保障措施) a
        （1） opens the first sub-section."""
        if self.part is None:
            return False
        last = self.part.children[-1].value if self.part.children else 0
        if last != n - 1:
            return False
        if n > 1 and n - 1 in (self.last_paren_task, self.paren_points):
            return False
        return bool(self.part.children) or not self.in_task_part()

    def safeguard_heading(self, n: int, rest: str) -> bool:
        """1.加强组织领导 under 保障措施: safeguards numbered like tasks."""
        if self.part is None or not SAFEGUARD_PART.search(self.part.title):
            return False
        last = self.part.children[-1].value if self.part.children else 0
        return last == n - 1 and len(_split_heading(rest)[0]) <= 30

    def read(self, body: list[str]) -> None:
        self.plan_layout(body)
        in_attachments = False
        for line in body:
            if not line:
                self.blank = True
                if in_attachments and self.attachments:
                    break
                continue
            attachment = ATTACHMENT.match(line)
            if attachment:
                in_attachments = True
                name = (attachment[2] or attachment[3] or "").strip()
                if name:
                    self.attachments.append(_strip_number(name))
            elif in_attachments:
                if DOT_NUM.match(line) or PAREN_NUM.match(line) or not self.attachments:
                    self.attachments.append(_strip_number(line))
                elif self.blank:
                    break
                else:
                    self.attachments[-1] += line
            # A heading's numeral must be one (二二十、 is text, not a part or a section).
            elif (m := PART.match(line)) and cn_number(m[1]) is not None:
                self.open_part(m[1], m[2])
            elif (m := SUB.match(line)) and cn_number(m[1]) is not None:
                self.open_sub(cn_number(m[1]), m[2], f"（{m[1]}）")
            elif m := PAREN_NUM.match(line):
                n = int(m[1])
                if self.paren_is_sub(n):
                    self.open_sub(n, m[2], f"（{n}）")
                elif self.dot_tasks or not self.in_task_part():
                    self.add_text(line)
                    self.paren_points = n
                else:
                    self.open_task(n, m[2])
                    self.last_paren_task = n
            elif m := DOT_NUM.match(line):
                n = int(m[1])
                if self.in_task_part():
                    self.open_task(n, m[2])
                elif self.safeguard_heading(n, m[2]):
                    self.open_sub(n, m[2], line[: len(line) - len(m[2])].strip())
                else:
                    self.add_text(line)
            else:
                self.add_text(line)
            self.blank = False


def _strip_number(text: str) -> str:
    text = text.strip()
    m = DOT_NUM.match(text) or PAREN_NUM.match(text)
    return (m[2] if m else text).strip()


# -- the header -------------------------------------------------------------------------------


def _body_start(lines: list[str]) -> int:
    for pattern in (PART, SUB, DOT_NUM, PAREN_NUM):
        for i, line in enumerate(lines):
            if pattern.match(line):
                return i
    return len(lines)


def _doc_number(lines: list[str]) -> str:
    candidates = [(m, line) for line in lines if (m := DOC_NUMBER.search(line))]
    whole = [m for m, line in candidates if len(line) <= len(m[0]) + 4]
    first = whole[0] if whole else (candidates[0][0] if candidates else None)
    if first is None:
        return ""
    return f"{first[1]}〔{first[2]}〕{first[3]}号"


def _header(lines: list[str], all_lines: list[str]) -> dict:
    joined = "".join(lines)
    date_index = next(
        (i for i, line in enumerate(lines) if STANDALONE_DATE.match(line) and find_date(line)),
        None,
    )
    date = find_date(lines[date_index]) if date_index is not None else None
    if date is None:
        date = next(
            (
                find_date(line)
                for line in reversed(all_lines)
                if STANDALONE_DATE.match(line) and find_date(line)
            ),
            None,
        )
    issuer = ""
    for line in lines:
        if m := MASTHEAD.match(line):
            issuer = m[1]
            break
    if not issuer and date_index:
        above = next((line for line in reversed(lines[:date_index]) if line), "")
        if ORG_SUFFIX.search(above) and len(above) <= 40:
            issuer = above
    m = re.search(r"([\u4e00-\u9fa5]{2,30}?)关于(?:印发|转发)", joined)
    if not issuer and m and ORG_SUFFIX.search(m[1]):
        issuer = m[1]

    title = ""
    if m := NOTICE_TITLE.search(joined):
        title = m[1]
    else:
        for line in lines:
            if (
                line
                and not MASTHEAD.match(line)
                and not DOC_NUMBER.search(line)
                and not STANDALONE_DATE.match(line)
                and not line.endswith(("：", ":", "。"))
                and len(line) <= 60
            ):
                title = line
                break
    return {"title": title, "issuer": issuer, "date": date}


def _preamble(lines: list[str], title: str) -> str:
    """The plan's opening paragraphs: after its title line(s), before 一、."""
    start = None
    i = 0
    while i < len(lines):
        if lines[i] and title.startswith(lines[i]):
            j, acc = i, ""
            while j < len(lines) and lines[j] and len(acc) < len(title):
                acc += lines[j]
                j += 1
            if acc == title:
                start = j
        i += 1
    if start is None:
        starts = [
            i + 1
            for i, line in enumerate(lines)
            if STANDALONE_DATE.match(line) or re.fullmatch(r"[（(]此件.{0,8}[）)]", line)
        ]
        start = starts[-1] if starts else len(lines)
    parts: list[str] = []
    blank = False
    for line in lines[start:]:
        if not line:
            blank = True
            continue
        _append(parts, line, blank)
        blank = False
    return "".join(parts).strip()


# -- the whole document -------------------------------------------------------------------------


def _number_tasks(tasks: list[_Task], warnings: list[str]) -> list[int]:
    written = [t.written for t in tasks]
    if all(b > a for a, b in itertools.pairwise(written)):
        if written and written != list(range(written[0], written[0] + len(written))):
            warnings.append(_("Task numbers skip some values; check the numbering."))
        return written
    warnings.append(
        _("Task numbers restart or repeat (e.g. per section); tasks were renumbered 1 to %(n)d.")
        % {"n": len(tasks)}
    )
    return list(range(1, len(tasks) + 1))


def _task_dict(task: _Task, number: int) -> dict:
    text = "".join(task.parts).strip()
    responsibility, without = extract_responsibility(text)
    deadline = parse_deadline(responsibility.deadline_text)
    node = task.node
    return {
        "number": number,
        "title": first_sentence(without),
        "text": text,
        "section": node.number if node else "",
        "section_key": node.key if node else "",
        "lead_units": responsibility.lead,
        "co_units": responsibility.co,
        "deadline": deadline.isoformat() if deadline else None,
    }


def parse_text(text: str) -> dict:
    """The plan's structure in its draft form (see `ipcity.plans.parsing`); raises ParseError."""
    lines = clean_lines(text or "")
    if not any(lines):
        raise ParseError(_("The document is empty."))
    start = _body_start(lines)
    head, body = lines[:start], lines[start:]
    reader = _Reader(lines)
    reader.read(body)
    if not reader.tasks:
        raise ParseError(
            _(
                "No numbered tasks were found (paragraphs beginning with 1. or 1、 or （1）). "
                "Check that this is the text of a work plan."
            )
        )
    header = _header(head, lines)
    if not header["title"]:
        reader.warnings.append(_("The plan's title was not found; enter it before saving."))
    numbers = _number_tasks(reader.tasks, reader.warnings)
    sections = [n.as_dict() for n in reader.orphans] + [n.as_dict() for n in reader.parts]
    safeguards = [
        {"number": child.number, "title": child.title, "text": child.text}
        for part in reader.parts
        if SAFEGUARD_PART.search(part.title)
        for child in part.children
    ]
    goals = " ".join(n.text for n in reader.parts if "目标" in n.title)
    years = [int(y) for y in TARGET_YEAR.findall(goals)]
    return {
        "title": header["title"],
        "doc_number": _doc_number(head) or _doc_number(lines[:10]),
        "issuer": header["issuer"],
        "date": header["date"].isoformat() if header["date"] else None,
        "target_year": max(years) if years else None,
        "preamble": _preamble(head, header["title"]),
        "sections": sections,
        "tasks": [_task_dict(t, n) for t, n in zip(reader.tasks, numbers, strict=True)],
        "safeguards": safeguards,
        "attachments": reader.attachments,
        "warnings": reader.warnings,
    }

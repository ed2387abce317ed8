"""The division of work table (任务分工表): read from Excel in the layouts in use, matched to
the plan's tasks, and written back in the same layout.

Layouts differ in their headers (序号 / 重点工作任务 or 工作任务 /
牵头单位, 主要责任单位 or 责任单位 / 配合单位 or 协同配合单位 / 完成期限 or 完成时限), in a
title row above the headers, in a two-row header (责任单位 over 牵头单位 | 配合单位), in
heading rows per mechanism and in vertically merged cells (one lead unit for three tasks).
Header synonyms come from `core.imports`; rows from `core.readers`.
"""

from __future__ import annotations

import difflib
import re
import tempfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core.imports import Column, ImportFormat, normalize_header
from ipcity.core.readers import ReaderError, Table

from .parsing import is_ongoing, parse_deadline, split_units
from .parsing.structure import PART, SUB
from .parsing.text import clean_text, fold

HEADER_SEARCH_ROWS = 15
TITLE_MATCH_MIN = 0.6


class DivisionError(Exception):
    """The file cannot be read as a division table; the message is shown as is."""


class DivisionFormat(ImportFormat):
    """Only the header vocabulary: the rows go through a preview with unit matching, not
    through the generic import jobs, so this format is not registered."""

    key = "plans.division"
    title = gettext_lazy("Division of work")
    columns = [
        Column("number", "序号", ("编号", "任务序号", "任务编号", "No", "No.")),
        Column(
            "task",
            "重点工作任务",
            (
                "工作任务",
                "重点任务",
                "主要任务",
                "任务",
                "任务内容",
                "工作内容",
                "重点工作",
                "任务名称",
            ),
            required=True,
        ),
        Column(
            "lead",
            "牵头单位",
            ("主要责任单位", "责任单位", "牵头部门", "责任部门", "主责单位", "负责单位"),
            required=True,
        ),
        Column(
            "co",
            "配合单位",
            ("协同配合单位", "配合部门", "协办单位", "参与单位", "协同单位", "配合责任单位"),
        ),
        Column(
            "deadline",
            "完成时限",
            ("完成期限", "完成时间", "时间节点", "时限", "时间要求", "完成时限要求"),
        ),
        Column("milestones", "阶段目标", ("里程碑", "进度安排", "阶段安排", "年度目标")),
        Column("outputs", "预期成果", ("工作成果", "成果形式", "预期产出", "预期目标")),
    ]
    headers_out = [
        "序号",
        "重点工作任务",
        "牵头单位",
        "配合单位",
        "完成时限",
        "阶段目标",
        "预期成果",
    ]


FORMAT = DivisionFormat()


@dataclass
class DivisionRow:
    row: int  # as Excel shows it
    number: int | None
    task: str
    lead_units: list[str] = field(default_factory=list)
    co_units: list[str] = field(default_factory=list)
    deadline_text: str = ""
    deadline: str | None = None  # ISO
    milestones: str = ""
    outputs: str = ""

    @property
    def deadline_unread(self) -> bool:
        return (
            bool(self.deadline_text)
            and self.deadline is None
            and not is_ongoing(self.deadline_text)
        )

    def public(self) -> dict:
        return {
            "task": self.task,
            "lead_units": self.lead_units,
            "co_units": self.co_units,
            "deadline": self.deadline,
        }

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "number": self.number,
            **self.public(),
            "deadline_text": self.deadline_text,
            "deadline_unread": self.deadline_unread,
            "milestones": self.milestones,
            "outputs": self.outputs,
        }


@dataclass
class DivisionTable:
    rows: list[DivisionRow]
    header_row: int
    mapping: dict[str, str]  # column key → header as written
    warnings: list[str] = field(default_factory=list)


# -- reading ------------------------------------------------------------------------------------


def read_division(source, name: str = "") -> DivisionTable:
    """Read a division table from a path or the bytes of an upload."""
    if isinstance(source, (bytes, bytearray)):
        suffix = Path(name).suffix.lower() or ".xlsx"
        with tempfile.NamedTemporaryFile(suffix=suffix) as fh:
            fh.write(source)
            fh.flush()
            return _read(Path(fh.name), name)
    return _read(Path(source), name or str(source))


def _read(path: Path, name: str) -> DivisionTable:
    try:
        table = Table(path, name)
        rows = [(n, [clean_text(c).strip() for c in cells]) for n, cells in table.rows]
    except ReaderError as exc:
        raise DivisionError(str(exc)) from None
    if table.kind != "csv":
        _fill_merged(path, rows)
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if not rows:
        raise DivisionError(_("The file is empty."))
    header_at, found, header_cells, skip = _find_header(rows)
    mapping = {key: header_cells[i] for key, i in found.items()}
    result = DivisionTable([], rows[header_at][0], mapping)
    for number, cells in rows[header_at + skip :]:
        _add_row(result, number, cells, found)
    if not result.rows:
        raise DivisionError(_("The table has headers but no task rows."))
    return result


def _fill_merged(path: Path, rows: list[tuple[int, list[str]]]) -> None:
    """Copy a vertically merged cell's value into every row it covers."""
    try:
        from python_calamine import CalamineWorkbook

        ranges = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).merged_cell_ranges
    except Exception:
        # Merged ranges are a nicety; a workbook that hides them still reads row by row.
        return
    by_number = dict(rows)
    for (r0, c0), (r1, c1) in ranges or ():
        if r1 == r0 or c1 != c0:
            continue
        top = by_number.get(r0 + 1)
        if not top or c0 >= len(top):
            continue
        for r in range(r0 + 2, r1 + 2):
            cells = by_number.get(r)
            if cells is not None and c0 < len(cells) and not cells[c0]:
                cells[c0] = top[c0]


def _is_header_row(cells: list[str]) -> bool:
    index = FORMAT.header_index()
    texts = [normalize_header(c) for c in cells if c]
    return bool(texts) and all(t in index for t in texts)


def _find_header(rows) -> tuple[int, dict[str, int], list[str], int]:
    """(index of the header row, column key → cell index, header cells, rows it spans)."""
    problems = []
    for i, (_n, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        candidates = []
        if i + 1 < len(rows) and _is_header_row(cells) and _is_header_row(rows[i + 1][1]):
            # 责任单位 over 牵头单位 | 配合单位: the lower row names the columns.
            below = rows[i + 1][1]
            merged = [below[j] if j < len(below) and below[j] else c for j, c in enumerate(cells)]
            candidates.append((merged + below[len(cells) :], 2))
        candidates.append((cells, 1))
        for header, span in candidates:
            found, _ignored, trouble = FORMAT.map_headers(header)
            if not trouble:
                return i, found, header, span
            if len(found) >= 2:
                problems = trouble
    detail = " ".join(problems)
    raise DivisionError(
        _(
            "No header row was found in the first %(n)d rows: a division table needs a task "
            "column (重点工作任务 or 工作任务) and a lead unit column (牵头单位, 主要责任单位 or "
            "责任单位). %(detail)s"
        )
        % {"n": HEADER_SEARCH_ROWS, "detail": detail}
    )


def _cell(cells: list[str], found: dict[str, int], key: str) -> str:
    i = found.get(key)
    return cells[i].strip() if i is not None and i < len(cells) else ""


def _number(text: str) -> int | None:
    text = fold(text).rstrip(".、")
    return int(text) if text.isdigit() and len(text) <= 4 else None


def _add_row(result: DivisionTable, row: int, cells: list[str], found: dict[str, int]) -> None:
    number_text = _cell(cells, found, "number")
    task = _cell(cells, found, "task")
    lead, co = _cell(cells, found, "lead"), _cell(cells, found, "co")
    filled = [c for c in cells if c]
    if (
        not lead
        and not co
        and (len(filled) == 1 or PART.match(task or number_text) or SUB.match(task or number_text))
    ):
        return  # a heading row: 一、完善知识产权创造机制
    if not task and not number_text and result.rows and (lead or co):
        previous = result.rows[-1]
        previous.lead_units += [u for u in split_units(lead) if u not in previous.lead_units]
        previous.co_units += [u for u in split_units(co) if u not in previous.co_units]
        return
    deadline_text = _cell(cells, found, "deadline")
    deadline = parse_deadline(deadline_text)
    number = _number(number_text)
    if not task and number is None:
        result.warnings.append(_("Row %(row)d names no task; it was skipped.") % {"row": row})
        return
    lead_units = split_units(lead)
    result.rows.append(
        DivisionRow(
            row=row,
            number=number,
            task=task,
            lead_units=lead_units,
            co_units=[u for u in split_units(co) if u not in lead_units],
            deadline_text=deadline_text,
            deadline=deadline.isoformat() if deadline else None,
            milestones=_cell(cells, found, "milestones"),
            outputs=_cell(cells, found, "outputs"),
        )
    )


# -- tasks --------------------------------------------------------------------------------------


def _title_key(text: str) -> str:
    text = re.sub(r"^\s*(?:\d{1,3}\s*[.．、]|[（(]\d{1,2}[）)])\s*", "", fold(text))
    return text.split("。", 1)[0].split(".", 1)[0]


def match_task(row: DivisionRow, tasks: list) -> tuple[int | None, str]:
    """(task id, how) for a row: its title, else its number. `tasks` have id, number, title."""
    key = _title_key(row.task)
    if key:
        for task in tasks:
            title = fold(task.title)
            if key == title or key.startswith(title) or (len(key) >= 4 and title.startswith(key)):
                return task.id, "title"
    if row.number is not None:
        for task in tasks:
            if task.number == row.number:
                return task.id, "number"
    if key:
        best, best_score = None, TITLE_MATCH_MIN
        for task in tasks:
            score = difflib.SequenceMatcher(None, key, fold(task.title)).ratio()
            if score >= best_score:
                best, best_score = task.id, score
        if best is not None:
            return best, "similar"
    return None, ""


# -- writing ------------------------------------------------------------------------------------


def deadline_text(date) -> str:
    return f"{date.year}年{date.month}月{date.day}日" if date else ""


def write_division(tasks) -> bytes:
    """The division of work as an xlsx in the import layout; `tasks` with their units
    prefetched (`units__organization`)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from ipcity.core.exports import escape_formula

    from .choices import UnitRole

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "任务分工表"
    sheet.append(DivisionFormat.headers_out)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for task in tasks:
        units = sorted(task.units.all(), key=lambda u: (u.role, u.order, u.pk))
        names = {
            role: "、".join(
                (u.organization.name if u.organization else u.name_as_written)
                for u in units
                if u.role == role
            )
            for role in (UnitRole.LEAD, UnitRole.CO)
        }
        sheet.append(
            [
                task.number,
                escape_formula(task.title),
                escape_formula(names[UnitRole.LEAD]),
                escape_formula(names[UnitRole.CO]),
                deadline_text(task.deadline),
                escape_formula(task.milestones),
                escape_formula(task.expected_outputs),
            ]
        )
    for letter, width in zip("ABCDEFG", (6, 40, 30, 40, 16, 30, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()

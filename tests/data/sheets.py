"""Builders for real spreadsheet files used by the import tests."""

import csv
from pathlib import Path

from stdnum.cn import uscc

HEADER = [
    "名称",
    "简称",
    "类型",
    "统一社会信用代码",
    "所属区划",
    "地址",
    "行业代码",
    "上级单位",
    "联系电话",
    "邮箱",
    "联系人",
]


def valid_uscc(n: int) -> str:
    """A code with the right check digit, distinct for every n."""
    base = f"91110112MA{n:07d}"
    return base + uscc.calc_check_digit(base)


def bad_check_digit_uscc(n: int) -> str:
    good = valid_uscc(n)
    return good[:-1] + ("1" if good[-1] != "1" else "2")


def write_xlsx(path: Path, rows: list[list], header: list | None = HEADER) -> Path:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list], header: list | None = HEADER, encoding="utf-8-sig"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def org_row(name, uscc_code="", kind="企业", region="", parent="", **extra) -> list:
    row = dict.fromkeys(HEADER, "")
    row.update({"名称": name, "类型": kind, "统一社会信用代码": uscc_code, "所属区划": region})
    row["上级单位"] = parent
    row.update(extra)
    return [row[h] for h in HEADER]

"""Writers of patent export files in the three layouts people bring (DOMAIN.md §4).

A record is a dict with layout-neutral keys (see `record`); each writer lays the records out
under its layout's headers, as xlsx or csv.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ipcity.rights.numbers import check_digit


def number(serial: int, year: int = 2020, type_digit: str = "1", good: bool = True) -> str:
    digits = f"{year}{type_digit}{serial:07d}"
    check = check_digit(digits)
    if not good:
        check = "0" if check != "0" else "1"
    return f"{digits}.{check}"


def record(serial: int = 1, **fields) -> dict:
    base = {
        "number": number(serial),
        "title": f"一种测试装置{serial}",
        "abstract": "本发明公开了一种测试装置。",
        "filing_date": "2020.05.12",
        "pub_number": f"CN{111000000 + serial}A",
        "pub_date": "2020-09-01",
        "grant_date": "",
        "type_text": "发明申请",
        "ipc": "G06F16/00;G06N3/08",
        "main_ipc": "G06F16/00",
        "applicants": "示例甲科技有限公司",
        "inventors": "张三;李四",
        "address": "",
        "province_code": "",
        "district": "",
        "city": "",
        "area_code": "",
        "uscc": "",
        "status": "",
        "validity": "",
        "family": "",
        "family_countries": "",
        "citations": "",
        "cited_by": "",
        "transfers": "",
        "assignees": "",
        "licences": "",
        "licensees": "",
        "pledges": "",
        "pledgees": "",
    }
    base.update(fields)
    return base


CNIPA = {
    "申请号": "number",
    "申请日": "filing_date",
    "公开（公告）号": "pub_number",
    "公开（公告）日": "pub_date",
    "专利号": None,
    "名称": "title",
    "主分类号": "main_ipc",
    "分类号": "ipc",
    "申请（专利权）人": "applicants",
    "发明（设计）人": "inventors",
    "摘要": "abstract",
    "主权项": None,
    "优先权": None,
    "国省代码": "province_code",
    "地址": "address",
    "专利代理机构": None,
    "代理人": None,
    "国际申请": None,
    "国际公布": None,
    "进入国家日期": None,
    "专利类型": "type_text",
}

INCOPAT = {
    "标题 (中文)": "title",
    "摘要 (中文)": "abstract",
    "申请号": "number",
    "申请日": "filing_date",
    "公开（公告）号": "pub_number",
    "公开（公告）日": "pub_date",
    "专利类型": "type_text",
    "IPC": "ipc",
    "IPC主分类": "main_ipc",
    "申请人": "applicants",
    "标准化申请人": "applicants",
    "申请人地址": "address",
    "申请人国家/地区": None,
    "申请人省市代码": "area_code",
    "中国申请人地市": "city",
    "中国申请人区县": "district",
    "工商统一社会信用代码": "uscc",
    "授权公告日": "grant_date",
    "专利有效性": "validity",
    "当前法律状态": "status",
    "简单同族": "family",
    "同族国家/地区": "family_countries",
    "引证次数": "citations",
    "被引证次数": "cited_by",
    "转让次数": "transfers",
    "受让人": "assignees",
    "许可次数": "licences",
    "被许可人": "licensees",
    "质押次数": "pledges",
    "质权人": "pledgees",
    "发明人": "inventors",
}

PATSNAP = {
    "公开(公告)号": "pub_number",
    "申请号": "number",
    "标题": "title",
    "摘要": "abstract",
    "[标]当前申请(专利权)人": "applicants",
    "[标]原始申请(专利权)人": "applicants",
    "当前申请(专利权)人地址": "address",
    "申请日": "filing_date",
    "授权日": "grant_date",
    "法律状态/事件": "status",
    "IPC主分类号": "main_ipc",
    "IPC": "ipc",
    "受理局": None,
    "简单同族成员数量": None,
    "被引用专利数量": "cited_by",
    "发明人": "inventors",
}

LAYOUTS = {"cnipa": CNIPA, "incopat": INCOPAT, "patsnap": PATSNAP}


def table(layout: str, records: list[dict]) -> tuple[list[str], list[list[str]]]:
    columns = LAYOUTS[layout]
    header = list(columns)
    rows = [[rec.get(key, "") if key else "" for key in columns.values()] for rec in records]
    return header, rows


def write(path: Path, layout: str, records: list[dict]) -> Path:
    """xlsx or csv by the path's suffix."""
    header, rows = table(layout, records)
    path = Path(path)
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
    else:
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
    return path


def write_generated(path: Path, count: int, layout: str = "incopat", year: int = 2020) -> Path:
    """A csv of `count` distinct valid patents, written row by row (for the memory check)."""
    header, _rows = table(layout, [])
    columns = LAYOUTS[layout]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for i in range(1, count + 1):
            rec = record(
                i,
                number=number(i, year=year),
                applicants=f"生成测试{i % 50}号科技有限公司",
                address="北京市通州区新华北路1号" if i % 3 else "江苏省南通市通州区金沙镇",
                status="授权" if i % 2 else "实质审查",
            )
            writer.writerow([rec.get(key, "") if key else "" for key in columns.values()])
    return path

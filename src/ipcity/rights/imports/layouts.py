"""The columns of the three patent export layouts (DOMAIN.md §4) and how a file's layout is told.

Every header any layout uses is one Column with its own key, so a file that carries both
申请人 and 标准化申请人 (incoPat does) maps each to its own value; the format then picks by
precedence. Headers are compared after NFKC folding, so （） and () are the same.
"""

from __future__ import annotations

from ipcity.core.imports import Column, normalize_header

from .normalize import parse_count, parse_date

CNIPA, INCOPAT, PATSNAP = "cnipa", "incopat", "patsnap"
LAYOUTS = (CNIPA, INCOPAT, PATSNAP)
LAYOUT_NAMES = {CNIPA: "CNIPA", INCOPAT: "incoPat", PATSNAP: "PatSnap"}


def _c(key, label, *synonyms, parse=None, required=False, max_length=None) -> Column:
    return Column(key, label, tuple(synonyms), required, parse=parse, max_length=max_length)


COLUMNS = [
    _c("number", "申请号", "申请号/专利号", "application number", required=True, max_length=40),
    _c("title", "名称", "标题", "标题 (中文)", "发明名称", "专利名称", "title", max_length=500),
    _c("filing_date", "申请日", "filing date", parse=parse_date),
    _c("publication_number", "公开（公告）号", "公开号", "公告号", "公开公告号", max_length=40),
    _c("publication_date", "公开（公告）日", "公开日", "公告日", "公开公告日", parse=parse_date),
    _c("first_publication_date", "首次公开日", parse=parse_date),
    _c("patent_number", "专利号", max_length=40),
    _c("patent_type", "专利类型", "patent type", max_length=40),
    _c("abstract", "摘要", "摘要 (中文)", "abstract"),
    _c("main_ipc", "IPC主分类", "IPC主分类号", "主IPC", max_length=64),
    _c("main_class", "主分类号", max_length=64),
    _c("ipc", "IPC", "分类号", "IPC分类号"),
    _c("applicants", "申请（专利权）人", "申请人", "[标]原始申请(专利权)人", "原始申请(专利权)人"),
    _c("std_applicants", "标准化申请人"),
    _c("first_applicant", "第一申请人", max_length=200),
    _c("holders", "当前权利人", "[标]当前申请(专利权)人", "当前申请(专利权)人", "当前专利权人"),
    _c("std_holders", "标准化当前权利人"),
    _c("inventors", "发明（设计）人", "发明人", "inventors"),
    _c("province_code", "国省代码", max_length=40),
    _c("address", "地址", "申请人地址", "申请(专利权)人地址", max_length=300),
    _c(
        "holder_address",
        "当前专利权人地址",
        "当前申请(专利权)人地址",
        "当前权利人地址",
        max_length=300,
    ),
    _c("country", "申请人国家/地区", "申请人国别代码", max_length=40),
    _c("holder_type", "申请人类型", max_length=100),
    _c("area_code", "申请人省市代码", max_length=40),
    _c("city", "中国申请人地市", max_length=40),
    _c("district", "中国申请人区县", max_length=40),
    _c("registered_address", "工商注册地址", max_length=300),
    _c("uscc", "工商统一社会信用代码", "统一社会信用代码", max_length=200),
    _c("grant_date", "授权公告日", "授权日", parse=parse_date),
    _c("lapse_date", "失效日", parse=parse_date),
    _c("validity", "专利有效性", max_length=40),
    _c("status", "当前法律状态", "法律状态/事件", "法律状态", "法律状态事件", max_length=200),
    _c("family", "简单同族"),
    _c("family_count", "简单同族个数", "简单同族成员数量", parse=parse_count),
    _c("family_countries", "同族国家/地区", "同族国家", max_length=300),
    _c("citations", "引证次数", "引用专利数量", parse=parse_count),
    _c("cited_by", "被引证次数", "被引用专利数量", "被引用次数", parse=parse_count),
    _c("transfers", "转让次数", parse=parse_count),
    _c("assignees", "受让人", max_length=300),
    _c("licences", "许可次数", parse=parse_count),
    _c("licence_type", "许可类型", max_length=100),
    _c("licensees", "被许可人", max_length=300),
    _c("pledges", "质押次数", parse=parse_count),
    _c("pledge_term", "质押期限", max_length=100),
    _c("pledgors", "出质人", max_length=300),
    _c("pledgees", "质权人", max_length=300),
    _c("current_pledgee", "当前质权人", max_length=300),
    _c("office", "受理局", max_length=40),
    _c("pct", "国际申请", max_length=100),
]

# Headers only one layout writes; the layout with most of them present is the file's.
FINGERPRINTS = {
    CNIPA: ("国省代码", "申请（专利权）人", "发明（设计）人", "主权项", "专利代理机构", "分类号"),
    INCOPAT: (
        "标准化申请人",
        "中国申请人区县",
        "中国申请人地市",
        "工商统一社会信用代码",
        "专利有效性",
        "当前法律状态",
        "当前权利人",
        "标准化当前权利人",
        "申请人地址",
        "标题 (中文)",
        "IPC主分类",
        "被引证次数",
        "合享价值度",
        "简单同族个数",
    ),
    PATSNAP: (
        "[标]当前申请(专利权)人",
        "[标]原始申请(专利权)人",
        "当前申请(专利权)人地址",
        "法律状态/事件",
        "IPC主分类号",
        "受理局",
        "简单同族成员数量",
        "扩展同族成员数量",
        "被引用专利数量",
    ),
}
_FINGERPRINTS = {k: {normalize_header(h) for h in v} for k, v in FINGERPRINTS.items()}


def detect_layout(header_cells: list[str]) -> str | None:
    """The layout whose own headers the file has most of; None when it has none of them."""
    present = {normalize_header(h) for h in header_cells}
    scores = {layout: len(present & marks) for layout, marks in _FINGERPRINTS.items()}
    best = max(LAYOUTS, key=lambda layout: scores[layout])
    return best if scores[best] else None


def layout_score(header_cells: list[str], layout: str) -> int:
    present = {normalize_header(h) for h in header_cells}
    return len(present & _FINGERPRINTS[layout])

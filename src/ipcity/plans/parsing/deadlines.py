"""Deadlines as plans and division tables write them, read as the last day they allow.

2023年12月底 → 2023-12-31, 2024年6月 → 2024-06-30, 2024年3月15日 → 2024-03-15, 2024.12 →
2024-12-31, 2024年底 → 2024-12-31, 2024年上半年 → 2024-06-30, 2024年第三季度 / 2024Q3 →
2024-09-30; 长期 / 持续推进 / 常态化 → no date. Where a text names several dates (a range, or
stages), the latest one is the deadline. `None` means no date could be read.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from .text import CN_DIGITS, clean_text, cn_number

ONGOING = ("长期", "持续", "常态", "每年", "逐年", "常年", "年度内", "全年")
CN_YEAR = re.compile(r"([〇○零一二三四五六七八九]{4})\s*年")
_N = r"(\d{1,2}|[一二三四五六七八九十]{1,3})"

# Each pattern yields (year, month, day) groups; a missing day means the end of the month.
_PATTERNS = [
    ("ymd", re.compile(r"(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})(?!\d)")),
    ("ymd", re.compile(rf"(\d{{4}})?\s*年?\s*{_N}\s*月\s*{_N}\s*[日号]")),
    ("quarter", re.compile(r"(\d{4})?\s*年?\s*(?:第\s*)?([一二三四1-4])\s*季度")),
    ("quarter", re.compile(r"(\d{4})?\s*年?\s*[Qq]\s*([1-4])")),
    ("half", re.compile(r"(\d{4})?\s*年?\s*([上下])\s*半\s*年")),
    ("ym", re.compile(rf"(\d{{4}})?\s*年?\s*{_N}\s*月")),
    ("ym", re.compile(r"(\d{4})\s*[-./]\s*(\d{1,2})(?![\d.\-/])")),
    ("y", re.compile(r"(\d{4})\s*年?\s*(?:年底|年末|底|末|年)")),
    ("y", re.compile(r"^\s*(\d{4})\s*$")),
]


def _end_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _as_date(kind: str, groups: tuple, year: int | None) -> dt.date | None:
    y = int(groups[0]) if groups[0] else year
    if y is None or not 1900 < y < 2200:
        return None
    if kind == "y":
        return dt.date(y, 12, 31)
    if kind == "half":
        return dt.date(y, 6, 30) if groups[1] == "上" else dt.date(y, 12, 31)
    if kind == "quarter":
        quarter = cn_number(groups[1])
        if not quarter or not 1 <= quarter <= 4:
            return None
        return _end_of_month(y, quarter * 3)
    month = cn_number(groups[1])
    if not month or not 1 <= month <= 12:
        return None
    if kind == "ym":
        return _end_of_month(y, month)
    day = cn_number(groups[2])
    try:
        return dt.date(y, month, day)
    except (TypeError, ValueError):
        return None


def parse_deadline(text) -> dt.date | None:
    """The latest date the text names, or None (ongoing work, or nothing readable)."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    text = clean_text(str(text or "")).strip()
    if not text:
        return None
    text = CN_YEAR.sub(lambda m: "".join(str(CN_DIGITS[ch]) for ch in m[1]) + "年", text)
    found: list[dt.date] = []
    year = None
    rest = text
    # Left to right so that "2024年6月至12月" lends its year to the second month.
    while rest:
        best = None
        for kind, pattern in _PATTERNS:
            match = pattern.search(rest)
            if match and (best is None or match.start() < best[1].start()):
                best = (kind, match)
        if best is None:
            break
        kind, match = best
        date = _as_date(kind, match.groups(), year)
        if date:
            found.append(date)
            year = date.year
        rest = rest[match.end() :]
    if found:
        return max(found)
    return None


def is_ongoing(text: str) -> bool:
    """长期 / 持续推进 and the like: no deadline on purpose, not an unreadable one."""
    return any(word in str(text or "") for word in ONGOING)

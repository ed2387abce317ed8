"""Cell values of patent exports turned into registry values: dates, legal status, holders,
families and counts. Each function takes the text a cell holds and raises RowError for text that
cannot mean anything, so the row is reported instead of guessed."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.utils.translation import gettext as _

from ipcity.core.imports import RowError

from ..choices import LegalEventKind, PatentStatus

# Excel's day 0 is 1899-12-30 (it counts the non-existent 1900-02-29).
EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_PARTS = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_SPLIT_HOLDERS = re.compile(r"\s*[;；]\s*")
_SPLIT_LIST = re.compile(r"\s*[;；,，、|]\s*")
_COUNTRY = re.compile(r"^([A-Z]{2})")

# Terms of protection in years from the filing date (Patent Law art. 42, as amended 2021).
TERM_YEARS = {"invention": 20, "utility_model": 10, "design": 15}

# The texts exports use for legal status, most specific first: the first keyword found decides.
STATUS_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("部分无效", PatentStatus.VALID),
    ("全部无效", PatentStatus.INVALIDATED),
    ("无效宣告", PatentStatus.INVALIDATED),
    ("未缴年费", PatentStatus.LAPSED),
    ("年费终止", PatentStatus.LAPSED),
    ("费用终止", PatentStatus.LAPSED),
    ("期限届满", PatentStatus.EXPIRED),
    ("届满", PatentStatus.EXPIRED),
    ("驳回", PatentStatus.REJECTED),
    ("撤回", PatentStatus.WITHDRAWN),
    ("放弃", PatentStatus.WITHDRAWN),
    ("pct有效期", PatentStatus.PENDING),
    ("授权", PatentStatus.VALID),
    ("有效", PatentStatus.VALID),
    ("权利恢复", PatentStatus.VALID),
    ("实质审查", PatentStatus.PENDING),
    ("审中", PatentStatus.PENDING),
    ("公开", PatentStatus.PENDING),
    ("公布", PatentStatus.PENDING),
    ("pending", PatentStatus.PENDING),
    ("valid", PatentStatus.VALID),
)
GENERIC_LAPSE = ("失效", "无效", "终止")

# Event words in PatSnap's 法律状态/事件 and incoPat's 当前法律状态.
EVENT_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("权利转移", LegalEventKind.TRANSFER),
    ("转让", LegalEventKind.TRANSFER),
    ("许可", LegalEventKind.LICENCE),
    ("质押解除", LegalEventKind.PLEDGE_RELEASE),
    ("解除质押", LegalEventKind.PLEDGE_RELEASE),
    ("质押", LegalEventKind.PLEDGE),
    ("滞纳金", LegalEventKind.FEE_OVERDUE),
    ("年费滞纳", LegalEventKind.FEE_OVERDUE),
)


def clean_text(text: str) -> str:
    return " ".join(str(text or "").split())


def parse_date(text: str) -> dt.date:
    """2023.05.12, 2023-05-12, 2023/5/12, 2023年5月12日, 20230512 or an Excel serial (45058)."""
    value = unicodedata.normalize("NFKC", str(text)).strip()
    match = _DATE_PARTS.match(value)
    try:
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if re.fullmatch(r"\d{8}", value):
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        if re.fullmatch(r"\d{4,5}(\.0+)?", value):
            serial = int(float(value))
            if 1 <= serial <= 80000:
                return EXCEL_EPOCH + dt.timedelta(days=serial)
    except ValueError:
        pass
    raise RowError(_("“%(v)s” is not a date (use 2023-05-12).") % {"v": text})


def parse_count(text: str) -> int:
    value = unicodedata.normalize("NFKC", str(text)).strip()
    if re.fullmatch(r"\d+(\.0+)?", value):
        return int(float(value))
    raise RowError(_("“%(v)s” is not a whole number.") % {"v": text})


def split_holders(text: str) -> list[str]:
    """Holders as the export joins them, with ';' or '；', in order, without repeats."""
    names: list[str] = []
    for part in _SPLIT_HOLDERS.split(clean_text(text)):
        if part and part not in names:
            names.append(part)
    return names


def split_list(text: str) -> list[str]:
    return [p for p in _SPLIT_LIST.split(clean_text(text)) if p]


def map_status(*texts: str) -> str | None:
    """The PatentStatus the first text that means one says; None when none does."""
    for text in texts:
        value = str(text or "").strip().lower()
        if not value:
            continue
        for keyword, status in STATUS_KEYWORDS:
            if keyword in value:
                return status
        if any(word in value for word in GENERIC_LAPSE):
            return "lapsed_or_expired"
    return None


def resolve_generic_lapse(patent_type: str, filing: dt.date | None, lapse: dt.date | None) -> str:
    """'失效' alone: expired when the lapse falls at the end of the term, else lapsed."""
    years = TERM_YEARS.get(patent_type)
    if filing and lapse and years:
        try:
            end = filing.replace(year=filing.year + years)
        except ValueError:  # 29 February
            end = filing.replace(year=filing.year + years, day=28)
        if lapse >= end - dt.timedelta(days=1):
            return PatentStatus.EXPIRED
    return PatentStatus.LAPSED


def events_in(text: str) -> list[str]:
    """Legal-event kinds named in a status text ('授权;权利转移;质押')."""
    kinds: list[str] = []
    value = str(text or "")
    for keyword, kind in EVENT_KEYWORDS:
        if keyword in value and kind not in kinds:
            if kind == LegalEventKind.PLEDGE and LegalEventKind.PLEDGE_RELEASE in kinds:
                continue
            kinds.append(kind)
    return kinds


def family_countries(members: str, countries: str) -> list[str]:
    """Country codes of a family: from 同族国家/地区 ('CN;US') and member numbers ('US2021…A1')."""
    found: list[str] = []
    for part in split_list(countries):
        code = unicodedata.normalize("NFKC", part).upper()
        if re.fullmatch(r"[A-Z]{2}", code) and code not in found:
            found.append(code)
    for part in split_list(members):
        match = _COUNTRY.match(unicodedata.normalize("NFKC", part).upper())
        if match and match[1] not in found:
            found.append(match[1])
    return found


def has_overseas_member(countries: list[str]) -> bool:
    """A member filed outside China; WO is the PCT publication, not a right anywhere."""
    return any(code not in ("CN", "WO") for code in countries)

"""Chinese IP identifiers: patent application numbers (both eras), patent and publication numbers.

CNIPA application numbers since 2003-10-01: YYYY + type digit + 7-digit serial + '.' + check
(e.g. 201710117081.7). From 1985 to 2003: YY + type digit + 5-digit serial + check. The check
digit weights the digits 2,3,4,5,6,7,8,9,2,3,4,5 in turn; the sum mod 11 is the check, 10 is 'X'.
Type digits: 1 invention, 2 utility model, 3 design, 8 PCT invention entering the national phase,
9 PCT utility model entering the national phase.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)

TYPE_BY_DIGIT = {
    "1": ("invention", False),
    "2": ("utility_model", False),
    "3": ("design", False),
    "8": ("invention", True),
    "9": ("utility_model", True),
}

_STRIP = re.compile(r"[\s.·．。]")


class PatentNumberError(ValueError):
    pass


@dataclass(frozen=True)
class ApplicationNumber:
    digits: str  # 12 digits (or 8 for the old era) without the check character
    check: str
    patent_type: str
    is_pct: bool
    check_ok: bool

    @property
    def normalized(self) -> str:
        return f"{self.digits}.{self.check}"

    @property
    def filing_year(self) -> int:
        if len(self.digits) == 12:
            return int(self.digits[:4])
        year = int(self.digits[:2])
        return 1900 + year if year >= 85 else 2000 + year


def check_digit(digits: str) -> str:
    total = sum(int(d) * w for d, w in zip(digits, WEIGHTS, strict=False))
    value = total % 11
    return "X" if value == 10 else str(value)


def parse_application_number(raw: str) -> ApplicationNumber:
    """Parse what exports contain: 'CN201710117081.7', 'ZL 2017 1 0117081.7', '2017101170817'.

    A wrong check character is reported through `check_ok`, not raised: the record is kept and
    flagged, because a typo in one digit must not lose the row.
    """
    # NFKC folds full-width digits, letters and dots (２０１７…．７, ＺＬ) to ASCII; the patterns
    # below then match ASCII digits only, so no other script's digits pass as a number.
    text = unicodedata.normalize("NFKC", str(raw or "")).strip().upper()
    for prefix in ("ZL", "CN"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    text = _STRIP.sub("", text)
    if re.fullmatch(r"[0-9]{12}[0-9X]", text):
        digits, check = text[:12], text[12]
    elif re.fullmatch(r"[0-9]{12}", text):
        digits, check = text, ""
    elif re.fullmatch(r"[0-9]{8}[0-9X]", text):
        digits, check = text[:8], text[8]
    elif re.fullmatch(r"[0-9]{8}", text):
        digits, check = text, ""
    else:
        raise PatentNumberError(f"not a CNIPA application number: {raw!r}")
    type_digit = digits[4] if len(digits) == 12 else digits[2]
    if type_digit not in TYPE_BY_DIGIT:
        raise PatentNumberError(f"unknown patent type digit {type_digit!r} in {raw!r}")
    patent_type, is_pct = TYPE_BY_DIGIT[type_digit]
    expected = check_digit(digits)
    if not check:
        check = expected
    return ApplicationNumber(digits, check, patent_type, is_pct, check == expected)

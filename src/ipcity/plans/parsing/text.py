"""Turning an issued document into clean lines: reading .docx/.txt, folding character variants,
dropping markup and page furniture, and reading dates as officials write them."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zipfile
from functools import cache
from io import BytesIO
from pathlib import Path

from django.utils.translation import gettext as _

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
TEXT_ENCODINGS = ("utf-8-sig", "utf-16", "gb18030")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Converter output and pasted web pages carry these; they are never part of the document.
MARKUP = re.compile(
    r"\[(?:bookmark|anchor|image|comment|footnote|_?toc|_gobak|_goback)[^\]\n]*\]"
    r"|</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>\n]*)?/?>"
    r"|\{\\[a-z]+[^{}\n]*\}",
    re.IGNORECASE,
)
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# "- 3 -", "— 12 —", "第 3 页", "第3页 共10页", "3/10", a lone page number.
PAGE_NUMBER = re.compile(
    r"^(?:[-—–－‐_~～\s]*\d{1,3}[-—–－‐_~～\s]*"
    r"|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?"
    r"|\d{1,3}\s*/\s*\d{1,3})$"
)
# The distribution block at the foot of the last page: everything from here on is furniture.
FOOTER_START = re.compile(r"^(?:抄\s*送|抄\s*报|主\s*送)\s*[：:]|.{2,40}\s+\d{4}\s*年.{1,6}印发$")


class ParseError(Exception):
    """The document cannot be read as a plan; the message is shown to the user as is."""


# -- reading ------------------------------------------------------------------------------------


def read_document(data: bytes, name: str = "") -> str:
    """The text of an uploaded .docx or .txt file (paragraphs one per line)."""
    if not data or not data.strip():
        raise ParseError(_("The document is empty."))
    if data.startswith(b"PK\x03\x04"):
        return _read_docx(data)
    if data.startswith(OLE_MAGIC):
        raise ParseError(
            _(
                "This is an old Word (.doc) file. Open it in Word or WPS and save it as .docx, "
                "or paste its text."
            )
        )
    if data.startswith(b"%PDF"):
        raise ParseError(_("PDF files cannot be read; upload the .docx or paste the text."))
    for encoding in TEXT_ENCODINGS:
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise ParseError(_("The file is neither a Word document (.docx) nor text in UTF-8 or GB18030."))


def _read_docx(data: bytes) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        raise ParseError(
            _("This file is not a valid Word document (.docx); it may be damaged.")
        ) from None
    except Exception:
        # python-docx raises lxml and zip errors of several classes for broken packages.
        raise ParseError(_("This Word document cannot be read; it may be damaged.")) from None
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


# -- normalizing --------------------------------------------------------------------------------


@cache
def traditional_table() -> dict[int, str]:
    table = {}
    for line in (DATA_DIR / "traditional.txt").read_text(encoding="utf-8").splitlines():
        if len(line) == 2 and not line.startswith("#"):
            table[ord(line[0])] = line[1]
    return table


def to_simplified(text: str) -> str:
    return text.translate(traditional_table())


_WIDTH = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},  # full-width digits
        "\u3000": " ",
        "\t": " ",
        "\xa0": " ",
    }
)


def clean_text(text: str) -> str:
    """The document's text with variants folded and markup removed; line structure kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n")
    text = text.translate(INVISIBLE).translate(_WIDTH)
    text = to_simplified(text)
    return MARKUP.sub("", text)


def clean_lines(text: str) -> list[str]:
    """Lines without page furniture, cut at the distribution block; blank lines kept as ''."""
    lines = []
    for raw in clean_text(text).split("\n"):
        line = raw.strip()
        if FOOTER_START.match(line):
            break
        if line and PAGE_NUMBER.match(line):
            continue
        lines.append(line)
    return lines


def fold(text: str) -> str:
    """Compare-form of a short text: NFKC (half-width brackets and punctuation), no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split())


# -- dates --------------------------------------------------------------------------------------

CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
CN_DIGITS.update({"六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "两": 2})


def cn_number(text: str) -> int | None:
    """一 → 1, 十七 → 17, 二十三 → 23; plain digits too. None for anything else."""
    text = text.strip()
    if text.isdecimal():
        return int(text)
    if not text or any(ch not in CN_DIGITS for ch in text):
        return None
    if "十" not in text:
        value = 0
        for ch in text:
            value = value * 10 + CN_DIGITS[ch]
        return value
    tens, _sep, ones = text.partition("十")
    # One digit at most on either side of 十 (十, 十七, 二十, 二十三); 二二十 or 十十 is no numeral.
    if len(tens) > 1 or len(ones) > 1 or "十" in tens + ones:
        return None
    return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)


CN_NUMERALS = "〇一二三四五六七八九"


def to_cn_number(n: int) -> str:
    """3 → 三, 12 → 十二, 21 → 二十一 (section numbers); digits from 100 on."""
    if n < 0 or n >= 100:
        return str(n)
    if n < 10:
        return CN_NUMERALS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_NUMERALS[tens]) + "十" + (CN_NUMERALS[ones] if ones else "")


DATE = re.compile(
    r"([12]\d{3}|[〇○零一二三四五六七八九O]{4})\s*年\s*"
    r"(\d{1,2}|[一二三四五六七八九十]{1,2})\s*月\s*"
    r"(\d{1,2}|[一二三四五六七八九十]{1,3})\s*日"
)


def _cn_year(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    try:
        return int("".join(str(CN_DIGITS[ch]) for ch in text))
    except KeyError:
        return None


def find_date(text: str) -> dt.date | None:
    """The first full date in the text: 2024年3月26日 or 二〇二四年三月二十六日."""
    for match in DATE.finditer(text):
        year, month, day = _cn_year(match[1]), cn_number(match[2]), cn_number(match[3])
        try:
            return dt.date(year, month, day)
        except (TypeError, ValueError):
            continue
    return None

"""Row readers for uploaded spreadsheets: CSV, xlsx and xls, told apart by their content.

A user renames files freely (a CSV saved as `.xlsx`, an old `.xls` called `.xlsx`), so the name
only breaks ties: the first bytes decide. Every problem with the file itself raises `ReaderError`
with a message fit to show to the user.

`iter_rows(path)` yields `(row_number, cells)` where `row_number` is what Excel shows in its
left margin (1-based, blank rows counted) and `cells` is a list of strings.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")
# Large enough for any sane cell; a longer one is reported as a row error by the format's cap.
CSV_FIELD_LIMIT = 16 * 1024 * 1024
_CHUNK = 1024 * 1024


class ReaderError(Exception):
    """The file cannot be read as a table; the message is shown to the user as is."""


def detect_kind(path: Path, name: str = "") -> str:
    """'xlsx', 'xls' or 'csv' by the file's first bytes."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head:
        raise ReaderError(_("The file is empty."))
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        return "xls"
    if (name or str(path)).lower().endswith(EXCEL_SUFFIXES):
        raise ReaderError(
            _(
                "This file is named like an Excel file but is not a valid Excel workbook. "
                "Open it in Excel and save it again as .xlsx, or save it as CSV."
            )
        )
    return "csv"


class Table:
    """An opened file: `rows` yields `(row_number, cells)`; `estimated_rows` sizes the progress bar
    (physical lines of a CSV, used rows of a sheet), read before the rows are."""

    def __init__(self, path: Path | str, name: str = ""):
        self.path = Path(path)
        self.kind = detect_kind(self.path, name)
        if self.kind == "csv":
            self.encoding, self.estimated_rows = _scan_text(self.path)
            self.rows = _iter_csv(self.path, self.encoding)
        elif self.kind == "xlsx" and self.path.stat().st_size > _stream_above():
            # calamine reads a whole sheet into memory; past this size a workbook is streamed
            # row by row instead, so memory stays flat however many rows it has.
            self.estimated_rows, self.rows = _stream_xlsx(self.path)
        else:
            sheet = _open_sheet(self.path)
            self.estimated_rows = sheet.end[0] + 1 if sheet.end else 0
            self.rows = _iter_sheet(sheet)


def iter_rows(path: Path | str, name: str = "") -> Iterator[tuple[int, list[str]]]:
    return Table(path, name).rows


def _scan_text(path: Path) -> tuple[str, int]:
    """The first encoding that decodes the whole file, and its line count; read in chunks so
    memory stays flat whatever the file's size."""
    for encoding in TEXT_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        lines = 0
        try:
            with open(path, "rb") as fh:
                while chunk := fh.read(_CHUNK):
                    if b"\x00" in chunk:
                        raise ReaderError(
                            _("This file is neither a spreadsheet nor a text (CSV) file.")
                        )
                    decoder.decode(chunk)
                    lines += chunk.count(b"\n")
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding, lines + 1
    raise ReaderError(
        _("The text of this file could not be decoded; save it as CSV in UTF-8 or GB18030.")
    )


def _iter_csv(path: Path, encoding: str) -> Iterator[tuple[int, list[str]]]:
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    with open(path, encoding=encoding, newline="") as fh:
        sample = fh.read(64 * 1024)
        fh.seek(0)
        reader = csv.reader(fh, delimiter=_delimiter(sample))
        try:
            # Count records, not physical lines: a quoted cell may span lines, and a spreadsheet
            # program shows such a record as one row.
            yield from enumerate(reader, start=1)
        except csv.Error as exc:
            raise ReaderError(
                _("The CSV file is malformed near line %(line)d: %(error)s")
                % {"line": reader.line_num, "error": exc}
            ) from None


def _delimiter(sample: str) -> str:
    """Comma unless the header line clearly uses tabs or semicolons (csv.Sniffer guesses wildly
    on Chinese text with few columns)."""
    first_line = sample.splitlines()[0] if sample else ""
    counts = {delimiter: first_line.count(delimiter) for delimiter in ",\t;"}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _open_sheet(path: Path):
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        return workbook.get_sheet_by_index(0)
    except Exception:
        # calamine raises several error classes for broken zips, XML and encrypted files.
        raise ReaderError(
            _("This file is not a valid Excel workbook (it may be damaged or password-protected).")
        ) from None


def _stream_above() -> int:
    from django.conf import settings

    return settings.IPCITY_XLSX_STREAM_ABOVE_BYTES


def _stream_xlsx(path: Path) -> tuple[int, Iterator[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception:
        raise ReaderError(
            _("This file is not a valid Excel workbook (it may be damaged or password-protected).")
        ) from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        # The XML is parsed as the rows are read; openpyxl parses through defusedxml, which
        # refuses entity declarations (billion laughs, external entities) with an error.
        try:
            for index, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield index, [cell_text(cell) for cell in cells]
        except Exception:
            raise ReaderError(
                _("This workbook cannot be read safely (damaged, or with XML it must not hold).")
            ) from None
        finally:
            workbook.close()

    return sheet.max_row or 0, rows()


def _iter_sheet(sheet) -> Iterator[tuple[int, list[str]]]:
    try:
        rows = sheet.iter_rows()
    except Exception:
        raise ReaderError(_("The first sheet of this workbook cannot be read.")) from None
    # iter_rows starts at the sheet's first row, so its index is the row number Excel shows.
    for index, cells in enumerate(rows, start=1):
        yield index, [cell_text(cell) for cell in cells]


def cell_text(value) -> str:
    """A workbook cell as the text a user typed: 13800000000 not 13800000000.0, ISO dates."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)

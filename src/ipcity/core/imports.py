"""The import framework: a file of rows → a checked preview → an all-or-nothing write.

An app describes one kind of file with an `ImportFormat` subclass (its columns with header
synonyms, how a row is checked, how the checked rows are written) and registers it with
`@register`. The framework reads the file (core.readers), maps headers to columns, checks every
row and reports each bad one with the row number Excel shows (the header is row 1 when it is
the first line) and a reason. Two background jobs do the work: "core.import_validate" fills the
batch's preview report; "core.import_commit" checks the file again against the database as it
is now and writes the good rows inside one transaction, so an error or a cancel writes nothing.

A format with `streaming = True` never holds the whole file: good rows are handed to
`write_chunk` `chunk_size` at a time during the same pass that checks them (inside the one
transaction, which is rolled back when the file has errors), duplicate keys are remembered in a
temporary on-disk table, and the report keeps at most `MAX_REPORTED_ERRORS` entries. Memory then
stays the same for a thousand rows or a million.
"""

from __future__ import annotations

import csv
import sqlite3
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .bulk import write_cache
from .jobs import job_handler, jobs_dir, submit
from .models import ImportBatch
from .readers import ReaderError, Table
from .scope import grants_for

REGISTRY: dict[str, ImportFormat] = {}

MAX_REPORTED_ERRORS = 20_000
SAMPLE_ROWS = 10


class RowError(Exception):
    """A problem with one row (or one of its cells); the message is shown next to the row."""

    def __init__(self, message: str, column: str = ""):
        super().__init__(message)
        self.message = str(message)
        self.column = column


class ImportRefused(Exception):
    """The whole file cannot be written; the message says why (shown as the job's message)."""


def register(cls):
    """Class decorator: make an ImportFormat available under its key."""
    instance = cls()
    REGISTRY[instance.key] = instance
    return cls


def get_format(key: str) -> ImportFormat | None:
    return REGISTRY.get(key)


def normalize_header(text: str) -> str:
    """Fold the ways people type the same header: full-width （） and letters (NFKC), spaces of
    any width, case, and the '*' or colon that templates put on required columns."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    text = "".join(text.split()).casefold()
    return text.strip("*:")


def _strip_brackets(text: str) -> str:
    """'统一社会信用代码(18位)' → '统一社会信用代码': a trailing remark in brackets."""
    if text.endswith(")") and "(" in text:
        return text[: text.rindex("(")]
    return text


@dataclass
class Column:
    key: str
    label: str  # the header as the template writes it (file data, so not translated)
    synonyms: tuple[str, ...] = ()
    required: bool = False
    parse: Callable[[str], Any] | None = None  # text → value; raises RowError/ValidationError
    max_length: int | None = None
    help: Any = ""

    def headers(self) -> list[str]:
        return [self.label, self.key, *self.synonyms]


@dataclass
class Row:
    """One data row: its number as Excel shows it, the cell texts and the parsed values."""

    number: int
    raw: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (column label, message)

    def warn(self, message, column: str = "") -> None:
        self.warnings.append((column, str(message)))


@dataclass
class Validation:
    """What checking a file found. `rows` are the good rows, ready to write."""

    mapping: list[dict] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)
    file_error: str = ""
    header_row: int = 0
    total: int = 0
    rows: list[Row] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    context: Any = None
    streaming: bool = False
    valid_count: int = 0  # good rows, counted (streaming formats do not keep them)
    bad_rows: int = 0  # rows with errors, counted (the error list may be truncated)
    sample: list[Row] = field(default_factory=list)

    @property
    def error_rows(self) -> int:
        if self.streaming:
            return self.bad_rows
        return len({e["row"] for e in self.errors})

    @property
    def valid(self) -> int:
        return self.valid_count if self.streaming else len(self.rows)

    def add_error(self, row: int, column: str, message) -> None:
        if self.streaming and len(self.errors) > MAX_REPORTED_ERRORS:
            return
        self.errors.append({"row": row, "column": column, "message": str(message)})

    def add_warning(self, row: int, column: str, message) -> None:
        if self.streaming and len(self.warnings) > MAX_REPORTED_ERRORS:
            return
        self.warnings.append({"row": row, "column": column, "message": str(message)})

    def to_report(self, fmt: ImportFormat) -> dict:
        labels = {c.key: c.label for c in fmt.columns}
        shown = [m["key"] for m in self.mapping]
        errors = sorted(self.errors, key=lambda e: e["row"])
        return {
            "mapping": self.mapping,
            "ignored_headers": self.ignored_headers,
            "file_error": self.file_error,
            "header_row": self.header_row,
            "total": self.total,
            "valid": self.valid,
            "error_rows": self.error_rows,
            "warning_rows": len({w["row"] for w in self.warnings}),
            "errors": errors[:MAX_REPORTED_ERRORS],
            "errors_truncated": len(errors) > MAX_REPORTED_ERRORS
            or (self.streaming and self.error_rows > len({e["row"] for e in errors})),
            "warnings": self.warnings[:MAX_REPORTED_ERRORS],
            "sample_columns": [labels[k] for k in shown],
            "sample": [
                [r.number, *(r.raw.get(k, "") for k in shown)]
                for r in (self.sample if self.streaming else self.rows)
            ][:SAMPLE_ROWS],
        }


class ImportFormat:
    """One kind of file that can be imported. Subclasses set the attributes and may override
    `prepare`, `clean_row`, `duplicate_keys`, `check_rows` and must implement `write`."""

    key: str = ""
    title: Any = ""
    description: Any = ""
    permissions: tuple[str, ...] = ()  # every one is needed, in any scope
    columns: list[Column] = []
    max_cell_chars = 1000
    success_url_name = ""  # where the result summary links to
    streaming = False  # True: rows go to write_chunk in chunks (see the module docstring)
    chunk_size = 2000

    # -- permissions -------------------------------------------------------------------------

    def allowed(self, user) -> bool:
        if not user.is_authenticated or not user.is_active:
            return False
        if user.is_superuser:
            return True
        return all(grants_for(user, perm) for perm in self.permissions)

    # -- hooks -------------------------------------------------------------------------------

    def prepare(self, user) -> Any:
        """Load what checking rows needs (lookups), once per file."""
        return None

    def clean_row(self, row: Row, context) -> None:
        """Cross-column and database checks for one row; raise RowError, or `row.warn(...)`."""

    def duplicate_keys(self, row: Row, context) -> Iterable[tuple[str, str]]:
        """(column label, value) pairs that no two rows of one file may share."""
        return ()

    def check_rows(self, rows: list[Row], context) -> dict[int, RowError]:
        """Checks across rows (references between rows): row number → error."""
        return {}

    def write(self, rows: list[Row], context, user, progress: Callable[[int], None]) -> dict:
        """Write the checked rows; runs inside a transaction. Return counts for the summary."""
        raise NotImplementedError

    def headers_found(self, context, header_cells: list[str], found: dict[str, int]) -> None:
        """Called once the headers are mapped and `prepare` ran: e.g. note the file's layout."""

    # -- streaming formats -------------------------------------------------------------------

    def write_chunk(self, rows: list[Row], context, user) -> None:
        """Streaming formats: write one chunk of checked rows (inside the file's transaction)."""
        raise NotImplementedError

    def finish(self, context, user) -> dict:
        """Streaming formats: after the last chunk; return counts for the summary."""
        return {}

    # -- header mapping ----------------------------------------------------------------------

    def header_index(self) -> dict[str, Column]:
        index: dict[str, Column] = {}
        for column in self.columns:
            for header in column.headers():
                index.setdefault(normalize_header(header), column)
        return index

    def map_headers(self, cells: list[str]) -> tuple[dict[str, int], list[str], list[str]]:
        """(column key → cell index, ignored headers, problems that make the file unusable)."""
        index = self.header_index()
        found: dict[str, int] = {}
        ignored: list[str] = []
        problems: list[str] = []
        for position, text in enumerate(cells):
            norm = normalize_header(text)
            if not norm:
                continue
            column = index.get(norm) or index.get(_strip_brackets(norm))
            if column is None:
                ignored.append(str(text).strip())
            elif column.key in found:
                problems.append(
                    _('Columns %(a)s and %(b)s both mean "%(label)s"; keep only one.')
                    % {
                        "a": _column_letter(found[column.key]),
                        "b": _column_letter(position),
                        "label": column.label,
                    }
                )
            else:
                found[column.key] = position
        missing = [c.label for c in self.columns if c.required and c.key not in found]
        if missing:
            problems.insert(
                0,
                _("Required column missing: %(columns)s. The first row must hold the headers.")
                % {"columns": "、".join(missing)},
            )
        return found, ignored, problems


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# -- checking a file ---------------------------------------------------------------------------


def validate(
    fmt: ImportFormat,
    path: Path | str,
    name: str,
    user,
    progress: Callable[[int, int], None] | None = None,
    sink: Callable[[list[Row], Any], None] | None = None,
) -> Validation:
    """Read and check every row of the file; never raises for bad input.

    For a streaming format, `sink(rows, context)` receives the good rows chunk by chunk (as long
    as no row failed, or always when `sink.only_valid` is true); without a sink they are only
    counted.
    """
    result = Validation(streaming=fmt.streaming)
    try:
        table = Table(path, name)
        header = next(
            ((n, cells) for n, cells in table.rows if any(c.strip() for c in cells)), None
        )
        if header is None:
            result.file_error = _("The file is empty.")
            return result
        result.header_row, header_cells = header
        found, result.ignored_headers, problems = fmt.map_headers(header_cells)
        result.mapping = [
            {
                "key": key,
                "label": c.label,
                "header": str(header_cells[found[key]]).strip(),
                "column": _column_letter(found[key]),
            }
            for c in fmt.columns
            if (key := c.key) in found
        ]
        if problems:
            result.file_error = " ".join(problems)
            return result
        result.context = fmt.prepare(user)
        fmt.headers_found(result.context, header_cells, found)
        if fmt.streaming:
            _stream_rows(fmt, table, found, result, progress, sink)
        else:
            _check_rows(fmt, table, found, result, progress)
    except ReaderError as exc:
        result.file_error = str(exc)
        return result
    if result.total == 0:
        result.file_error = _("The file has a header row but no data rows.")
    return result


def _check_one(fmt, columns, found, number, cells, result: Validation, seen) -> Row | None:
    """The checked row, or None after recording its errors."""
    cap = fmt.max_cell_chars
    longest = max((len(cell) for cell in cells), default=0)
    if longest > cap:
        position = next(i for i, cell in enumerate(cells) if len(cell) == longest)
        result.add_error(
            number,
            _column_letter(position),
            _("A cell holds %(n)d characters; at most %(max)d are allowed.")
            % {"n": longest, "max": cap},
        )
        result.bad_rows += 1
        return None
    row = Row(
        number,
        {c.key: cells[found[c.key]].strip() if found[c.key] < len(cells) else "" for c in columns},
    )
    errors = _parse_cells(columns, row)
    if not errors:
        try:
            fmt.clean_row(row, result.context)
        except RowError as exc:
            errors.append((exc.column, exc.message))
        except ValidationError as exc:
            errors.extend(("", m) for m in exc.messages)
    if not errors:
        for label, value in fmt.duplicate_keys(row, result.context):
            first = seen.setdefault((label, value), number)
            if first != number:
                errors.append(
                    (
                        label,
                        _("Duplicate of row %(row)d (same %(column)s).")
                        % {"row": first, "column": label},
                    )
                )
                break
    for column, message in errors:
        result.add_error(number, column, message)
    if errors:
        result.bad_rows += 1
        return None
    return row


def _check_rows(fmt, table, found, result: Validation, progress) -> None:
    columns = [c for c in fmt.columns if c.key in found]
    seen: dict[tuple[str, str], int] = {}
    for number, cells in table.rows:
        if not any(cell.strip() for cell in cells):
            continue
        result.total += 1
        if progress and result.total % 200 == 0:
            progress(result.total, table.estimated_rows)
        row = _check_one(fmt, columns, found, number, cells, result, seen)
        if row is not None:
            result.rows.append(row)
    _check_across_rows(fmt, result)
    for row in result.rows:
        for column, message in row.warnings:
            result.warnings.append({"row": row.number, "column": column, "message": message})
    if progress:
        progress(result.total, result.total)


class DiskKeys:
    """Keys seen so far in a file, kept in a temporary SQLite table so that memory does not grow
    with the file: `setdefault(key, row)` returns the row that first had the key."""

    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="ipcity-import-")
        self._db = sqlite3.connect(Path(self._dir.name) / "keys.sqlite3")
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, row INTEGER) WITHOUT ROWID")

    def setdefault(self, key: tuple[str, str], row: int) -> int:
        text = "\x1f".join(key)
        found = self._db.execute("SELECT row FROM seen WHERE key = ?", (text,)).fetchone()
        if found:
            return found[0]
        self._db.execute("INSERT INTO seen VALUES (?, ?)", (text, row))
        return row

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()


def _stream_rows(fmt, table, found, result: Validation, progress, sink) -> None:
    columns = [c for c in fmt.columns if c.key in found]
    seen = DiskKeys()
    only_valid = bool(getattr(sink, "only_valid", False))
    chunk: list[Row] = []

    def flush():
        if not chunk:
            return
        failed = fmt.check_rows(chunk, result.context)
        for number, exc in failed.items():
            result.add_error(number, exc.column, exc.message)
        result.bad_rows += len(failed)
        good = [r for r in chunk if r.number not in failed]
        result.valid_count += len(good)
        for row in good:
            for column, message in row.warnings:
                result.add_warning(row.number, column, message)
            if len(result.sample) < SAMPLE_ROWS:
                result.sample.append(row)
        if sink is not None and good and (only_valid or not result.bad_rows):
            sink(good, result.context)
        chunk.clear()

    try:
        for number, cells in table.rows:
            if not any(cell.strip() for cell in cells):
                continue
            result.total += 1
            if progress and result.total % 200 == 0:
                progress(result.total, max(table.estimated_rows, result.total))
            row = _check_one(fmt, columns, found, number, cells, result, seen)
            if row is not None:
                chunk.append(row)
                if len(chunk) >= fmt.chunk_size:
                    flush()
        flush()
    finally:
        seen.close()
    if progress:
        progress(result.total, result.total)


def _parse_cells(columns: list[Column], row: Row) -> list[tuple[str, str]]:
    errors = []
    for column in columns:
        text = row.raw[column.key]
        if not text:
            if column.required:
                errors.append((column.label, _("This column is required.")))
            continue
        if column.max_length and len(text) > column.max_length:
            errors.append(
                (
                    column.label,
                    _("At most %(max)d characters (this cell has %(n)d).")
                    % {"max": column.max_length, "n": len(text)},
                )
            )
            continue
        try:
            row.values[column.key] = column.parse(text) if column.parse else text
        except RowError as exc:
            errors.append((exc.column or column.label, exc.message))
        except ValidationError as exc:
            errors.extend((column.label, m) for m in exc.messages)
    return errors


def _check_across_rows(fmt: ImportFormat, result: Validation) -> None:
    # Dropping a row can break a row that refers to it, so repeat until nothing changes.
    while True:
        failed = fmt.check_rows(result.rows, result.context)
        if not failed:
            return
        for number, exc in failed.items():
            result.add_error(number, exc.column, exc.message)
        result.rows = [r for r in result.rows if r.number not in failed]


# -- the two jobs ------------------------------------------------------------------------------


def batch_path(batch: ImportBatch) -> Path:
    return Path(settings.MEDIA_ROOT) / batch.stored_file


def _load(job) -> tuple[ImportBatch, ImportFormat]:
    batch = ImportBatch.objects.select_related("created_by").filter(pk=job.params["batch"]).first()
    if batch is None:
        raise ImportRefused(_("The uploaded file is no longer there."))
    fmt = get_format(batch.format_key)
    if fmt is None:
        raise ImportRefused(_("This kind of import is no longer available."))
    if not batch_path(batch).exists():
        raise ImportRefused(_("The uploaded file is no longer there; upload it again."))
    return batch, fmt


@job_handler("core.import_validate")
def validate_job(job, ctx) -> dict:
    batch, fmt = _load(job)
    ctx.progress(0, 0, _("Checking rows"))
    result = validate(
        fmt,
        batch_path(batch),
        batch.original_name,
        batch.created_by,
        progress=lambda done, total: ctx.progress(done, max(total, done)),
    )
    batch.report = result.to_report(fmt)
    batch.save(update_fields=["report"])
    if result.errors:
        ctx.attach(_write_error_file(job, batch, result), _error_file_name(batch))
    if result.file_error:
        line = result.file_error
    else:
        line = _("%(total)d rows checked: %(valid)d good, %(bad)d with errors.") % {
            "total": result.total,
            "valid": result.valid,
            "bad": result.error_rows,
        }
    ctx.progress(result.total, result.total, line[:500])
    ctx.log(line)
    outcome = {
        "batch": str(batch.pk),
        "rows": result.total,
        "valid": result.valid,
        "errors": result.error_rows,
    }
    if result.file_error:
        outcome["notice"] = _("problems found, the file cannot be imported")
    elif result.error_rows:
        outcome["notice"] = ngettext(
            "problems found in %(n)d row", "problems found in %(n)d rows", result.error_rows
        ) % {"n": result.error_rows}
    else:
        outcome["notice"] = _("no problems found")
    return outcome


def _error_file_name(batch: ImportBatch) -> str:
    return f"{Path(batch.original_name).stem}-errors.csv"


def _write_error_file(job, batch, result: Validation) -> Path:
    path = jobs_dir() / f"{job.pk}-errors.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([_("Row"), _("Column"), _("Problem")])
        for error in sorted(result.errors, key=lambda e: e["row"]):
            writer.writerow([error["row"], error["column"], error["message"]])
    return path


@job_handler("core.import_commit")
def commit_job(job, ctx) -> dict:
    batch, fmt = _load(job)
    user = batch.created_by
    if batch.committed_at:
        raise ImportRefused(_("This file has already been imported."))
    if user is None or not fmt.allowed(user):
        raise ImportRefused(_("You are not allowed to import this kind of file."))
    only_valid = bool(job.params.get("only_valid"))
    try:
        # Checking and writing share one transaction so the rows are written against the
        # database exactly as they were checked.
        with transaction.atomic():
            return _commit(job, ctx, batch, fmt, user, only_valid)
    except IntegrityError:
        raise ImportRefused(
            _(
                "The database refused the rows (someone may have added the same organization "
                "meanwhile). Nothing was written; check the file again."
            )
        ) from None


def stream_import(fmt, path, name, user, only_valid: bool, progress=None):
    """Check and write a streaming format's file in one pass, inside the caller's transaction.

    Returns `(validation, summary)`; `summary` is None when nothing may be kept (a file error,
    or rows with errors without `only_valid`): the caller must then roll back, because chunks
    before the first bad row may already have been written.
    """

    def sink(rows, context):
        fmt.write_chunk(rows, context, user)

    sink.only_valid = only_valid
    with write_cache():
        result = validate(fmt, path, name, user, progress=progress, sink=sink)
    if result.file_error or (result.errors and not only_valid):
        return result, None
    summary = fmt.finish(result.context, user)
    summary["skipped"] = result.error_rows
    return result, summary


def _commit_streaming(job, ctx, batch, fmt, user, only_valid) -> dict:
    ctx.progress(0, 0, _("Checking and writing rows"))
    result, summary = stream_import(
        fmt,
        batch_path(batch),
        batch.original_name,
        user,
        only_valid,
        progress=lambda done, total: ctx.progress(done, max(total, done)),
    )
    if result.file_error:
        raise ImportRefused(result.file_error)
    if summary is None:
        raise ImportRefused(
            _(
                "%(n)d rows have errors, so nothing was written. Fix them, or choose to import "
                "only the valid rows."
            )
            % {"n": result.error_rows}
        )
    summary["batch"] = str(batch.pk)
    ctx.check_cancelled()
    ImportBatch.objects.filter(pk=batch.pk).update(
        committed_at=timezone.now(), only_valid=only_valid
    )
    line = _("Imported: %(created)d created, %(updated)d updated, %(skipped)d skipped.") % {
        "created": summary.get("created", 0),
        "updated": summary.get("updated", 0),
        "skipped": summary["skipped"],
    }
    ctx.progress(result.total, result.total, line)
    ctx.log(line)
    return summary


def _commit(job, ctx, batch, fmt, user, only_valid) -> dict:
    if fmt.streaming:
        return _commit_streaming(job, ctx, batch, fmt, user, only_valid)
    ctx.progress(0, 0, _("Checking rows"))
    holder = {"total": 0}

    def checking(done, total):
        holder["total"] = total
        ctx.progress(done, total * 2)

    result = validate(fmt, batch_path(batch), batch.original_name, user, progress=checking)
    if result.file_error:
        raise ImportRefused(result.file_error)
    if result.errors and not only_valid:
        raise ImportRefused(
            _(
                "%(n)d rows have errors, so nothing was written. Fix them, or choose to import "
                "only the valid rows."
            )
            % {"n": result.error_rows}
        )
    total = result.total
    ctx.progress(total, total * 2, _("Writing rows"))
    summary = fmt.write(
        result.rows, result.context, user, lambda done: ctx.progress(total + done, total * 2)
    )
    summary["skipped"] = result.error_rows
    summary["batch"] = str(batch.pk)
    ctx.check_cancelled()
    ImportBatch.objects.filter(pk=batch.pk).update(
        committed_at=timezone.now(), only_valid=only_valid
    )
    line = _("Imported: %(created)d created, %(updated)d updated, %(skipped)d skipped.") % {
        "created": summary.get("created", 0),
        "updated": summary.get("updated", 0),
        "skipped": summary["skipped"],
    }
    ctx.progress(total * 2, total * 2, line)
    ctx.log(line)
    return summary


# -- actions the views call ------------------------------------------------------------------


def start_validation(batch: ImportBatch, user) -> None:
    job = submit(
        "core.import_validate",
        _("Check %(name)s") % {"name": batch.original_name},
        user,
        {"batch": str(batch.pk), "format": batch.format_key},
    )
    batch.validate_job = job
    batch.save(update_fields=["validate_job"])


def start_commit(batch: ImportBatch, user, only_valid: bool):
    job = submit(
        "core.import_commit",
        _("Import %(name)s") % {"name": batch.original_name},
        user,
        {"batch": str(batch.pk), "format": batch.format_key, "only_valid": only_valid},
    )
    batch.commit_job = job
    batch.only_valid = only_valid
    batch.save(update_fields=["commit_job", "only_valid"])
    return job


RESULT_LABELS = {
    "created": gettext_lazy("Created"),
    "updated": gettext_lazy("Updated"),
    "unchanged": gettext_lazy("Unchanged"),
    "skipped": gettext_lazy("Skipped (rows with errors)"),
    "contacts": gettext_lazy("Contacts added"),
    "rows": gettext_lazy("Rows"),
    "valid": gettext_lazy("Good rows"),
    "errors": gettext_lazy("Rows with errors"),
}

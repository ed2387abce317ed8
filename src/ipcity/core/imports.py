"""The import framework: a file of rows → a checked preview → an all-or-nothing write.

An app describes one kind of file with an `ImportFormat` subclass (its columns with header
synonyms, how a row is checked, how the checked rows are written) and registers it with
`@register`. The framework reads the file (core.readers), maps headers to columns, checks every
row and reports each bad one with the row number Excel shows (the header is row 1 when it is
the first line) and a reason. Two background jobs do the work: "core.import_validate" fills the
batch's preview report; "core.import_commit" checks the file again against the database as it
is now and writes the good rows inside one transaction, so an error or a cancel writes nothing.
"""

from __future__ import annotations

import csv
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
from django.utils.translation import gettext_lazy

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

    @property
    def error_rows(self) -> int:
        return len({e["row"] for e in self.errors})

    def add_error(self, row: int, column: str, message) -> None:
        self.errors.append({"row": row, "column": column, "message": str(message)})

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
            "valid": len(self.rows),
            "error_rows": self.error_rows,
            "warning_rows": len({w["row"] for w in self.warnings}),
            "errors": errors[:MAX_REPORTED_ERRORS],
            "errors_truncated": len(errors) > MAX_REPORTED_ERRORS,
            "warnings": self.warnings[:MAX_REPORTED_ERRORS],
            "sample_columns": [labels[k] for k in shown],
            "sample": [[r.number, *(r.raw.get(k, "") for k in shown)] for r in self.rows][
                :SAMPLE_ROWS
            ],
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
) -> Validation:
    """Read and check every row of the file; never raises for bad input."""
    result = Validation()
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
        _check_rows(fmt, table, found, result, progress)
    except ReaderError as exc:
        result.file_error = str(exc)
        return result
    if result.total == 0:
        result.file_error = _("The file has a header row but no data rows.")
    return result


def _check_rows(fmt, table, found, result: Validation, progress) -> None:
    columns = [c for c in fmt.columns if c.key in found]
    seen: dict[tuple[str, str], int] = {}
    cap = fmt.max_cell_chars
    for number, cells in table.rows:
        if not any(cell.strip() for cell in cells):
            continue
        result.total += 1
        if progress and result.total % 200 == 0:
            progress(result.total, table.estimated_rows)
        longest = max((len(cell) for cell in cells), default=0)
        if longest > cap:
            position = next(i for i, cell in enumerate(cells) if len(cell) == longest)
            result.add_error(
                number,
                _column_letter(position),
                _("A cell holds %(n)d characters; at most %(max)d are allowed.")
                % {"n": longest, "max": cap},
            )
            continue
        row = Row(
            number,
            {
                c.key: cells[found[c.key]].strip() if found[c.key] < len(cells) else ""
                for c in columns
            },
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
        if not errors:
            result.rows.append(row)
    _check_across_rows(fmt, result)
    for row in result.rows:
        for column, message in row.warnings:
            result.warnings.append({"row": row.number, "column": column, "message": message})
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
            "valid": len(result.rows),
            "bad": result.error_rows,
        }
    ctx.progress(result.total, result.total, line[:500])
    ctx.log(line)
    return {
        "batch": str(batch.pk),
        "rows": result.total,
        "valid": len(result.rows),
        "errors": result.error_rows,
    }


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


def _commit(job, ctx, batch, fmt, user, only_valid) -> dict:
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

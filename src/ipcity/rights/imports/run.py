"""Importing a patent export outside the web pages: the `ipcity rights import` command."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from ipcity.core.imports import stream_import

from .format import import_format


def run_import(path, layout: str = "auto", user=None, only_valid: bool = False, progress=None):
    """Check and write the file in one transaction: `(summary, warnings, ok)`.

    `summary` is the issue's JSON shape. With errors and without `only_valid` nothing is kept
    and `ok` is False.
    """
    fmt = import_format(layout)
    with transaction.atomic():
        result, written = stream_import(
            fmt, path, Path(path).name, user, only_valid, progress=progress
        )
        if written is None:
            transaction.set_rollback(True)
    if result.file_error:
        errors = [{"row": result.header_row or 1, "reason": result.file_error}]
    else:
        errors = [
            {"row": e["row"], "reason": _reason(e)}
            for e in sorted(result.errors, key=lambda e: e["row"])
        ]
    written = written or {}
    summary = {
        "rows": result.total,
        "created": written.get("created", 0),
        "updated": written.get("updated", 0),
        "errors": errors,
        "attribution": {
            "in_district": written.get("in_district", 0),
            "outside": written.get("outside", 0),
            "unresolved": written.get("unresolved", 0),
        },
    }
    warnings = [{"row": w["row"], "reason": _reason(w)} for w in result.warnings]
    return summary, warnings, bool(written) or (not errors and result.total == 0)


def _reason(entry: dict) -> str:
    column, message = entry.get("column", ""), entry["message"]
    return f"{column}: {message}" if column else message

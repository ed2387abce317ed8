"""A corpus of malformed files sent to every registered importer: each is reported (a message
for the whole file, or errors with row numbers), none raises, and nothing is written."""

import csv
import io
import os
import zipfile

import pytest
from django.apps import apps

from ipcity.core import imports

from .test_hostile_workbooks import LAUGHS, _xlsx

FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", '=HYPERLINK("http://x")']


def _formats():
    return sorted(imports.REGISTRY)


def _headers(fmt) -> list[str]:
    return [column.label for column in fmt.columns]


def _csv(path, rows, encoding="utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _corpus(tmp_path, fmt) -> dict:
    files = {}
    files["empty.csv"] = tmp_path / "empty.csv"
    files["empty.csv"].write_bytes(b"")
    files["binary.xlsx"] = tmp_path / "binary.xlsx"
    files["binary.xlsx"].write_bytes(os.urandom(4096).replace(b"PK", b"pk"))
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>" * 200)
    files["truncated.xlsx"] = tmp_path / "truncated.xlsx"
    files["truncated.xlsx"].write_bytes(good.getvalue()[:120])
    files["laughs.xlsx"] = _xlsx(tmp_path / "laughs.xlsx", LAUGHS)
    files["nul.csv"] = tmp_path / "nul.csv"
    files["nul.csv"].write_bytes(",".join(_headers(fmt)).encode() + b"\n\x00\x00\x00\n")
    files["utf16.csv"] = _csv(tmp_path / "utf16.csv", [_headers(fmt), ["x"] * 3], "utf-16")
    files["wrong-headers.csv"] = _csv(tmp_path / "wrong.csv", [["foo", "bar"], ["1", "2"]])
    files["header-only.csv"] = _csv(tmp_path / "header.csv", [_headers(fmt)])
    hostile = [FORMULAS[i % len(FORMULAS)] for i in range(len(fmt.columns))]
    overlong = ["字" * (fmt.max_cell_chars + 1)] * len(fmt.columns)
    files["hostile-cells.csv"] = _csv(
        tmp_path / "hostile.csv", [_headers(fmt), hostile, overlong, [""] * len(fmt.columns)]
    )
    return files


def _row_counts() -> dict:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label
        in {"orgs", "rights", "plans", "utilization", "protection", "services", "incentives"}
    }


@pytest.mark.parametrize("key", _formats())
def test_every_importer_reports_malformed_files_and_writes_nothing(world, tmp_path, key):
    fmt = imports.get_format(key)
    before = _row_counts()
    for name, path in _corpus(tmp_path, fmt).items():
        result = imports.validate(fmt, path, name, world.alice)
        reported = result.file_error or result.errors
        assert reported, f"{key}: {name} passed as good ({result.valid} rows)"
        if result.file_error:
            assert isinstance(result.file_error, str) and result.file_error.strip()
        for error in result.errors:
            assert error["row"] >= 2, (key, name, error)
    assert _row_counts() == before

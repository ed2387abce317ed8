"""`ipcity rights import FILE`: the JSON summary, all-or-nothing, and flat memory."""

import json
import time
import tracemalloc

import pytest
from django.core.management import call_command
from django.db import connection

from ipcity.rights.imports import run_import
from ipcity.rights.imports.format import PatentImportFormat
from ipcity.rights.models import Patent

from .exports import number, record, write, write_generated


def run_cli(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command("rights", "import", *map(str, args), stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return json.loads(out.getvalue()), err.getvalue(), code


def test_cli_prints_exactly_the_summary_keys(world, tmp_path):
    path = write(
        tmp_path / "a.xlsx",
        "incopat",
        [
            record(1, district="通州区", city="北京市"),
            record(2, address="江苏省南通市通州区金沙镇", applicants="南通某公司"),
            record(3, applicants="某个地方公司"),
        ],
    )
    summary, _err, code = run_cli(path, "--user", "alice")
    assert code == 0
    assert list(summary) == ["rows", "created", "updated", "errors", "attribution"]
    assert summary == {
        "rows": 3,
        "created": 3,
        "updated": 0,
        "errors": [],
        "attribution": {"in_district": 1, "outside": 1, "unresolved": 1},
    }
    summary, _err, code = run_cli(path, "--format", "incopat")
    assert (summary["created"], summary["updated"], code) == (0, 0, 0)
    assert Patent.objects.count() == 3
    assert (
        Patent.objects.get(application_number=number(1)).history.latest().history_user
        == world.alice
    )


def test_cli_with_errors_writes_nothing_and_exits_1(world, tmp_path):
    path = write(tmp_path / "b.csv", "cnipa", [record(1), record(2, number="X")])
    summary, _err, code = run_cli(path)
    assert code == 1
    assert summary["errors"] == [
        {"row": 3, "reason": "申请号: “X” is not a CNIPA application number."}
    ]
    assert summary["created"] == 0
    assert Patent.objects.count() == 0
    summary, _err, code = run_cli(path, "--only-valid")
    assert (code, summary["created"]) == (0, 1)


def test_cli_reports_a_bad_check_digit_on_stderr(world, tmp_path):
    path = write(tmp_path / "c.csv", "cnipa", [record(1, number=number(1, good=False))])
    summary, err, code = run_cli(path)
    assert code == 0 and summary["created"] == 1
    assert "row 2" in err and "check digit" in err


def test_cli_refuses_a_user_without_the_permission(world, tmp_path):
    from django.core.management.base import CommandError

    path = write(tmp_path / "d.csv", "cnipa", [record(1)])
    with pytest.raises(CommandError):
        call_command("rights", "import", str(path), "--user", "leo")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's page cache")
def test_an_import_writes_with_the_larger_page_cache(world, tmp_path, monkeypatch):
    from ipcity.core.bulk import WRITE_CACHE_MB

    seen = []
    write_chunk = PatentImportFormat.write_chunk

    def recording(self, rows, ctx, user):
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            seen.append(int(cursor.fetchone()[0]))
        return write_chunk(self, rows, ctx, user)

    monkeypatch.setattr(PatentImportFormat, "write_chunk", recording)
    summary, _w, ok = run_import(write_generated(tmp_path / "p.csv", 30, year=2019))
    assert ok and summary["created"] == 30 and seen
    assert set(seen) == {-WRITE_CACHE_MB * 1024}
    with connection.cursor() as cursor:  # given back after the import
        cursor.execute("PRAGMA cache_size")
        assert cursor.fetchone()[0] != -WRITE_CACHE_MB * 1024


def _peak(path) -> tuple[int, float]:
    tracemalloc.start()
    started = time.perf_counter()
    summary, _w, ok = run_import(path)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert ok, summary["errors"][:3]
    return peak, summary["rows"] / elapsed


@pytest.mark.django_db(transaction=False)
def test_memory_does_not_grow_with_the_file(world, tmp_path, monkeypatch):
    # Small chunks keep the test quick while both files still span several chunks; the same
    # code path runs with the production chunk size.
    monkeypatch.setattr(PatentImportFormat, "chunk_size", 200)
    # Warm-up: dictionaries and caches loaded once per process are not the file's cost.
    run_import(write_generated(tmp_path / "warm.csv", 50, year=2018))
    small_peak, _ = _peak(write_generated(tmp_path / "small.csv", 400, year=2019))
    large_peak, speed = _peak(write_generated(tmp_path / "large.csv", 2_000, year=2020))
    print(
        f"\npeak memory: 400 rows {small_peak / 1e6:.1f} MB, 2,000 rows "
        f"{large_peak / 1e6:.1f} MB; {speed:.0f} rows/s under tracemalloc"
    )
    assert Patent.objects.count() == 2_450
    assert large_peak < 2 * small_peak

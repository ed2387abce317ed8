"""The benchmarks' smoke run: the import and search measurements on a tiny generated data set
(the figures themselves are measured on demand, `make bench`; see docs/performance.md)."""

from __future__ import annotations

import csv
import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from ipcity.bench.generate import Options, generate
from ipcity.bench.imports import copy_baseline, count_rows, run_import_bench, sqlite_baseline
from ipcity.bench.report import import_rows
from ipcity.bench.search import queries, run_search_bench
from ipcity.bench.world import SCALES
from ipcity.rights.models import Patent
from tests.core.conftest import migrated_sqlite  # noqa: F401  (the migrated template file)

SQLITE = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory):
    """The first 300 patents of the tiny data set, as the incoPat csv (no database rows); the
    first 40 also as the xlsx beside it."""
    out = tmp_path_factory.mktemp("bench")
    result = generate(Options(scale=SCALES["tiny"], seed=3, out=out, database=False, xlsx_rows=40))
    source = result.files["csv"]
    small = out / "small.csv"
    with (
        source.open(encoding="utf-8-sig", newline="") as src,
        small.open("w", encoding="utf-8-sig", newline="") as dst,
    ):
        writer = csv.writer(dst)
        for i, row in enumerate(csv.reader(src)):
            if i > 300:
                break
            writer.writerow(row)
    return small


def test_the_baseline_loads_every_row(small_csv):
    header, rows = count_rows(small_csv)
    assert rows == 300 and len(header) > 10
    assert sqlite_baseline(small_csv, len(header)) > 0


@pytest.mark.skipif(SQLITE, reason="COPY is PostgreSQL's; the PostgreSQL pass runs this")
def test_copy_baseline_loads_the_file(small_csv):
    db = settings.DATABASES["default"]
    dsn = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} "
    dsn += f"dbname={db['NAME']}"
    header, _rows = count_rows(small_csv)
    assert copy_baseline(small_csv, dsn, len(header)) > 0


@pytest.mark.xdist_group("platform")
@pytest.mark.skipif(not SQLITE, reason="runs on its own SQLite file: the SQLite pass runs it")
def test_the_import_benchmark_imports_then_finds_every_row(small_csv, migrated_sqlite):  # noqa: F811
    xlsx = small_csv.with_name("patents-incopat.xlsx")
    figures = run_import_bench(small_csv, "sqlite", template=migrated_sqlite, xlsx=xlsx)
    report = figures.as_dict()
    assert report["rows"] == 300
    assert report["created"] == 300  # every row created by the first import
    assert report["import_rows_per_s"] > 0 and report["baseline_rows_per_s"] > 0
    assert 0 < report["peak_mb"] < 2000
    _assert_floor(report)
    # The workbook went into a database of its own: all of its rows were new there.
    assert report["xlsx_rows"] == 40 and report["xlsx_seconds"] > 0
    [row] = [r for r in import_rows(report) if r[0].startswith("xlsx import")]
    assert row[0] == "xlsx import, 40 rows (s)"
    assert row[3] == "<= 0.01 (15 s a 100,000 rows): too few rows to judge"
    judged = {**report, "xlsx_rows": 100_000, "xlsx_seconds": 14.0}
    assert _xlsx_verdict(judged) == "<= 15.00 (15 s a 100,000 rows): met"
    assert _xlsx_verdict({**judged, "xlsx_seconds": 15.5}).endswith("MISSED")
    json.dumps(report)


def _assert_floor(report: dict) -> None:
    """The write floor loaded exactly the rows the first import added, twice."""
    loaded = report["floor_rows"]
    assert loaded["rights_patent"] == loaded["rights_historicalpatent"] == 300
    assert loaded["rights_legalevent"] == loaded["rights_historicallegalevent"] > 0
    assert loaded["rights_patentholder"] >= 300
    assert loaded["orgs_organization"] == loaded["orgs_historicalorganization"] > 0
    assert report["floor_kept_rows_per_s"] > 0 and report["floor_deferred_rows_per_s"] > 0
    rows = {r[0]: r for r in import_rows(report)}
    kept = rows["write floor, indexes kept (rows/s)"]
    assert kept[1] == f"{report['floor_kept_rows_per_s']:,}"
    assert kept[2].startswith("the import: ") and kept[2].endswith("% of it")
    # 300 rows are written in well under a second: far above the bar of 30,000 rows/s or not,
    # the verdict follows the figures.
    bar = 30_000 if report["engine"] == "sqlite" else 0.15 * report["baseline_rows_per_s"]
    above = bar > report["floor_kept_rows_per_s"]
    assert kept[3] == ("the bar is above it" if above else "the bar is below it")
    # Without the floor (`--no-floor`) the table has no floor rows.
    skipped = {**report, "floor_kept_rows_per_s": None, "floor_deferred_rows_per_s": None}
    assert not [r for r in import_rows(skipped) if r[0].startswith("write floor")]


@pytest.mark.xdist_group("platform")
@pytest.mark.skipif(SQLITE, reason="PostgreSQL's own databases: the PostgreSQL pass runs this")
def test_the_import_benchmark_on_postgresql_measures_its_write_floor(small_csv):
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    figures = run_import_bench(small_csv, "postgresql", postgres_url=url)
    report = figures.as_dict()
    assert report["created"] == 300 and report["baseline"] == "PostgreSQL COPY"
    _assert_floor(report)


def _xlsx_verdict(report: dict) -> str:
    [row] = [r for r in import_rows(report) if r[0].startswith("xlsx import")]
    return row[3]


def test_the_search_benchmark_times_keyword_and_filter_queries(db, tmp_path):
    generate(Options(scale=SCALES["tiny"], seed=3, out=tmp_path, files=False))
    wanted = queries(40, seed=3)
    assert wanted == queries(40, seed=3)  # same seed, same queries
    assert all(q["q"] for q in wanted) and any(len(q) > 1 for q in wanted)
    figures = run_search_bench(40, seed=3)
    assert figures.queries == 40 and figures.rows == Patent.objects.count() == 2_000
    assert 0 < figures.p50_ms <= figures.p95_ms <= figures.max_ms

    # The command prints the table with its bar and writes the same figures as JSON.
    out = StringIO()
    args = ["run", "--only", "search", "--queries", "10", "--out", str(tmp_path / "out")]
    call_command("bench", *args, stdout=out)
    assert "search p95, 10 queries on 2,000 patents" in out.getvalue()
    assert "<= 100:" in out.getvalue()
    (written,) = (tmp_path / "out").glob("*.json")
    report = json.loads(written.read_text())
    assert report["search"]["queries"] == 10 and report["machine"]["cpus"] >= 1
    # The database's version and settings beside the figures, on screen and in the JSON.
    database = report["database"]
    assert database["engine"] == connection.vendor and database["server_version"]
    if connection.vendor == "postgresql":
        assert database["shared_buffers"][-2:] in ("kB", "MB", "GB")
        assert f"shared_buffers {database['shared_buffers']}" in out.getvalue()
    else:
        assert f"SQLite {database['server_version']}" in out.getvalue()


def test_postgresql_sizes_are_read_as_one_size():
    from ipcity.bench.report import _pg_size

    assert _pg_size("786432", "8kB") == "6GB"
    assert _pg_size("16384", "8kB") == "128MB"
    assert _pg_size("4096", "kB") == "4MB"
    assert _pg_size("100", "ms") == "100ms"

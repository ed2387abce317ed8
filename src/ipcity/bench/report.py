"""`ipcity bench run`: the measured figures as a table on screen and JSON on disk.

Measured so far: the patent import beside each engine's bulk load (imports.py) and the patent
search beside the same page without a keyword (search.py). The bars are those of the Scale
issue; each row says whether its figure meets its bar. Results go to
`bench/out/<scale>-<engine>-<date>.json`.
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path

IMPORT_BAR_SQLITE = 30_000  # rows/s through the real import path on SQLite
IMPORT_BAR_SHARE_OF_COPY = 0.15  # of PostgreSQL COPY's rows/s
PEAK_MB_BAR = 600
XLSX_BAR_S_PER_100K = 15.0  # an xlsx of 100,000 rows; fewer rows, a proportional share
XLSX_JUDGED_FROM = 10_000
REIMPORT_RATIO_BAR = 2.0
SEARCH_P95_BAR_MS = 100
INDICATORS_BAR_S = 5.0  # a full recompute of a year's indicators
PAGES_P95_BAR_MS = 300


def machine() -> dict:
    import os

    return {
        "python": platform.python_version(),
        "system": platform.platform(),
        "cpus": os.cpu_count(),
    }


def database() -> dict:
    """The database's version and the settings its figures depend on, as the server reports
    them (PostgreSQL's shared buffers set the search and indicator figures at city scale)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)",
                [
                    [
                        "server_version",
                        "shared_buffers",
                        "work_mem",
                        "effective_cache_size",
                        "random_page_cost",
                        "jit",
                    ]
                ],
            )
            found = {}
            for name, setting, unit in cursor.fetchall():
                found[name] = _pg_size(setting, unit) if unit else setting
            return {"engine": "postgresql", **found}
        cursor.execute("SELECT sqlite_version()")
        return {"engine": connection.vendor, "server_version": cursor.fetchone()[0]}


def _pg_size(setting: str, unit: str) -> str:
    """pg_settings' (count, unit) as one size: ('786432', '8kB') → '6GB'."""
    sizes = {"B": 1, "kB": 1024, "MB": 1024**2, "GB": 1024**3}
    number, base = (unit[:-2], unit[-2:]) if unit[-2:] in sizes else ("1", unit)
    if base not in sizes:
        return f"{setting}{unit}"
    total = int(setting) * int(number or 1) * sizes[base]
    for name in ("GB", "MB", "kB"):
        if total % sizes[name] == 0:
            return f"{total // sizes[name]}{name}"
    return f"{total}B"


def describe(settings: dict) -> str:
    """One line for the screen: "PostgreSQL 15.19, shared_buffers 6GB, work_mem 4MB"."""
    if settings.get("engine") == "postgresql":
        parts = [f"PostgreSQL {settings.get('server_version', '?')}"]
        parts += [
            f"{k} {settings[k]}"
            for k in ("shared_buffers", "work_mem", "random_page_cost", "jit")
            if k in settings
        ]
        return ", ".join(parts)
    return f"SQLite {settings.get('server_version', '?')}"


def import_rows(report: dict) -> list[tuple[str, str, str, str]]:
    """(figure, measured, baseline, bar and verdict) rows of the table."""
    rate, base = report["import_rows_per_s"], report["baseline_rows_per_s"]
    if report["engine"] == "postgresql":
        bar = IMPORT_BAR_SHARE_OF_COPY * base
        verdict = f">= {IMPORT_BAR_SHARE_OF_COPY:.0%} of COPY: {_ok(rate >= bar)}"
    else:
        bar = IMPORT_BAR_SQLITE
        verdict = f">= {IMPORT_BAR_SQLITE:,}/s: {_ok(rate >= IMPORT_BAR_SQLITE)}"
    ratio = report["reimport_ratio"] or 0
    return [
        (
            f"import {report['rows']:,} rows (rows/s)",
            f"{rate:,}",
            f"{base:,} ({report['baseline']})",
            verdict,
        ),
        *_floor_rows(report, rate, bar),
        (
            "re-import, same file (time ratio)",
            f"{ratio:.2f}",
            "1.00 (first import)",
            f"<= {REIMPORT_RATIO_BAR:.1f}: {_ok(ratio <= REIMPORT_RATIO_BAR)}",
        ),
        (
            "import peak memory (MB)",
            f"{report['peak_mb']:.0f}",
            "",
            f"<= {PEAK_MB_BAR}: {_ok(report['peak_mb'] <= PEAK_MB_BAR)}",
        ),
        *_xlsx_rows(report),
    ]


def _floor_rows(report: dict, rate: int, bar: float) -> list[tuple[str, str, str, str]]:
    """The write floor (bench/floor.py): the same rows stored by the database alone. A bar
    above the floor is out of reach of any import code."""
    rows = []
    for key, label in (
        ("floor_kept_rows_per_s", "write floor, indexes kept (rows/s)"),
        ("floor_deferred_rows_per_s", "write floor, indexes built after (rows/s)"),
    ):
        floor = report.get(key)
        if not floor:
            continue
        reach = "the bar is above it" if bar > floor else "the bar is below it"
        rows.append((label, f"{floor:,}", f"the import: {rate / floor:.0%} of it", reach))
    return rows


def _xlsx_rows(report: dict) -> list[tuple[str, str, str, str]]:
    rows, seconds = report.get("xlsx_rows") or 0, report.get("xlsx_seconds") or 0.0
    if not rows:
        return []
    bar = XLSX_BAR_S_PER_100K * rows / 100_000
    # A small workbook's time is mostly the command's start: no verdict below 10,000 rows.
    verdict = _ok(seconds <= bar) if rows >= XLSX_JUDGED_FROM else "too few rows to judge"
    return [
        (
            f"xlsx import, {rows:,} rows (s)",
            f"{seconds:.1f} ({rows / seconds:,.0f} rows/s)" if seconds else "0",
            "",
            f"<= {bar:,.2f} (15 s a 100,000 rows): {verdict}",
        )
    ]


def search_rows(report: dict) -> list[tuple[str, str, str, str]]:
    return [
        (
            f"search p95, {report['queries']} queries on {report['rows']:,} patents (ms)",
            f"{report['p95_ms']:.0f} (p50 {report['p50_ms']:.0f})",
            f"{report['baseline_p95_ms']:.0f} (filters alone)",
            f"<= {SEARCH_P95_BAR_MS}: {_ok(report['p95_ms'] <= SEARCH_P95_BAR_MS)}",
        )
    ]


def page_rows(report: dict) -> list[tuple[str, str, str, str]]:
    """The mix against its bars, the trivial endpoint beside it, then each page kind."""
    mix, base = report["mix"], report["trivial"]
    load = f"{report['clients']} clients, {report['seconds']:.0f} s"
    trivial = f"{report['trivial_path']}, trivial"
    rows = [
        (
            f"pages p95, {load}, {report['patents']:,} patents (ms)",
            f"{mix['p95_ms']:.0f} (p50 {mix['p50_ms']:.0f}, p99 {mix['p99_ms']:.0f})",
            f"{base['p95_ms']:.0f} ({trivial})",
            f"<= {PAGES_P95_BAR_MS}: {_ok(mix['p95_ms'] <= PAGES_P95_BAR_MS)}",
        ),
        (
            f"pages errors, of {mix['requests']:,} requests",
            f"{mix['errors']:,}",
            f"{base['errors']:,} of {base['requests']:,}",
            f"0: {_ok(mix['errors'] == 0)}",
        ),
        (
            "pages throughput (requests/s)",
            f"{mix['per_s']:.1f}",
            f"{base['per_s']:.1f}",
            "",
        ),
    ]
    tail = report.get("tail") or {}
    for kind, page in report["pages"].items():
        rows.append(
            (
                f"  {kind} p95 (ms)",
                f"{page['p95_ms']:.0f} (p50 {page['p50_ms']:.0f}, max {page['max_ms']:.0f})",
                f"{tail.get(kind, 0):,} of the slowest 5%" if tail else "",
                f"{page['requests']:,} requests, {page['errors']:,} errors",
            )
        )
    return rows


def indicator_rows(report: dict) -> list[tuple[str, str, str, str]]:
    """The recompute against its bar beside DuckDB, their ratio, and whether the numbers agree
    (any difference fails the row)."""
    seconds, base = report["recompute_seconds"], report["duckdb_seconds"]
    ratio = report["ratio"]
    equal = report["equal"]
    differ = "" if equal else f"{report['mismatch_count']:,} of {report['values']:,} differ"
    return [
        (
            f"indicator recompute, {report['year']}, {report['indicators']} indicators on "
            f"{report['patents']:,} patents (s)",
            f"{seconds:.2f} (best {report['recompute_best_seconds']:.2f}, creation "
            f"{report['creation_seconds']:.2f})",
            f"{base:.2f} (DuckDB over Parquet)",
            f"<= {INDICATORS_BAR_S:.0f} s: {_ok(seconds <= INDICATORS_BAR_S)}",
        ),
        (
            "recompute / DuckDB (time ratio)",
            f"{ratio:.1f}" if ratio is not None else "",
            "1.0 (DuckDB)",
            "reported",
        ),
        (
            f"indicator numbers equal to DuckDB's ({report['values']:,} values)",
            "equal" if equal else differ,
            f"Parquet export {report['export_seconds']:.1f} s (not timed above)",
            f"equal: {_ok(equal)}",
        ),
    ]


def _ok(passed: bool) -> str:
    return "met" if passed else "MISSED"


def table(rows: list[tuple[str, str, str, str]]) -> str:
    header = ("figure", "measured", "baseline", "bar")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)
    return "\n".join(lines)


def write_json(out_dir: Path, scale: str, engine: str, results: dict) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"{scale}-{engine}-{stamp}.json"
    body = {
        "scale": scale,
        "engine": engine,
        "at": stamp,
        "machine": machine(),
        "database": database(),
        **results,
    }
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return path

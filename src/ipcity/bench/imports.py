"""The import benchmark: the patent csv through the real import path, beside each engine's own
bulk load of the same file.

- **Baseline.** PostgreSQL: `COPY … FROM STDIN (FORMAT csv)` of the file into a bare staging
  table of text columns. SQLite: the csv module reading the file and `executemany` into such a
  table, one transaction (SQLite has no COPY; this is the floor for any Python import).
- **Import.** `ipcity rights import <file>` in a child process against the benchmark database:
  parsing, checks, attribution, holder matching, upsert, legal events, high-value
  classification, search text, history. Run twice: the first creates every patent, the second
  finds them all (updates, or unchanged rows). Peak memory is the child's maximum resident set
  size (`wait4`).
- **Write floor** (floor.py). Between the two imports, the rows the first one added are loaded
  by the database alone into empty copies, with the indexes kept and with them built after:
  the least time any import of these rows can take.
- **xlsx.** The generated workbook (the csv's first rows) through the same command into a
  database of its own, migrated and empty like the csv's first.

Each run gets its own database: on SQLite a copy of a migrated template file, on PostgreSQL a
new database; both are removed afterwards.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class ImportFigures:
    engine: str
    rows: int
    baseline: str
    baseline_seconds: float
    first_seconds: float
    second_seconds: float
    peak_mb: float
    created: int
    updated: int
    xlsx_rows: int = 0
    xlsx_seconds: float = 0.0
    floor_kept_seconds: float = 0.0
    floor_deferred_seconds: float = 0.0
    floor_rows: dict | None = None

    @property
    def baseline_rate(self) -> float:
        return self.rows / self.baseline_seconds if self.baseline_seconds else 0.0

    @property
    def first_rate(self) -> float:
        return self.rows / self.first_seconds if self.first_seconds else 0.0

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            "baseline_rows_per_s": round(self.baseline_rate),
            "import_rows_per_s": round(self.first_rate),
            "share_of_baseline": round(self.first_rate / self.baseline_rate, 4)
            if self.baseline_rate
            else None,
            "reimport_ratio": round(self.second_seconds / self.first_seconds, 2)
            if self.first_seconds
            else None,
            "floor_kept_rows_per_s": _rate(self.rows, self.floor_kept_seconds),
            "floor_deferred_rows_per_s": _rate(self.rows, self.floor_deferred_seconds),
        }


def _rate(rows: int, seconds: float) -> int | None:
    return round(rows / seconds) if seconds else None


def count_rows(path: Path) -> tuple[list[str], int]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, sum(1 for _ in reader)


# -- baselines --------------------------------------------------------------------------------


def copy_baseline(path: Path, dsn: str, columns: int) -> float:
    """Seconds PostgreSQL's COPY takes to load the file into a bare text staging table."""
    import psycopg

    cols = ", ".join(f"c{i} text" for i in range(columns))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_staging")
        conn.execute(f"CREATE UNLOGGED TABLE bench_staging ({cols})")
        try:
            start = time.perf_counter()
            copy = "COPY bench_staging FROM STDIN WITH (FORMAT csv, HEADER true)"
            with conn.cursor() as cur, cur.copy(copy) as cp, path.open("rb") as handle:
                while block := handle.read(1 << 20):
                    cp.write(block)
            return time.perf_counter() - start
        finally:
            conn.execute("DROP TABLE IF EXISTS bench_staging")


def sqlite_baseline(path: Path, columns: int) -> float:
    """Seconds to read the file with the csv module and insert it into a bare SQLite table."""
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "staging.sqlite3")
        cols = ", ".join(f"c{i} text" for i in range(columns))
        conn.execute(f"CREATE TABLE staging ({cols})")
        marks = ", ".join("?" * columns)
        start = time.perf_counter()
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            next(reader)
            with conn:
                conn.executemany(f"INSERT INTO staging VALUES ({marks})", reader)
        elapsed = time.perf_counter() - start
        conn.close()
        return elapsed


# -- the benchmark database -------------------------------------------------------------------


class BenchDatabase:
    """A database of its own for one run: a SQLite file or a new PostgreSQL database."""

    def __init__(
        self, engine: str, workdir: Path, postgres_url: str = "", template: Path | None = None
    ):
        self.engine = engine
        self.workdir = workdir
        self.postgres_url = postgres_url.rstrip("/")
        self.template = template
        self.name = f"ipcity_bench_{uuid.uuid4().hex[:8]}"

    @property
    def url(self) -> str:
        if self.engine == "sqlite":
            return f"sqlite:///{self.workdir / 'db.sqlite3'}"
        return f"{self.postgres_url}/{self.name}"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
        env.update(DATABASE_URL=self.url, IPCITY_VAR_DIR=str(self.workdir))
        return env

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.postgres_url}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def create(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.engine == "sqlite" and self.template is not None:
            shutil.copyfile(self.template, self.workdir / "db.sqlite3")
        if self.engine == "postgresql":
            self._admin(f'CREATE DATABASE "{self.name}"')
        _ipcity(["migrate", "--no-input", "-v", "0"], self.env())

    def drop(self) -> None:
        if self.engine == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def clone(self, workdir: Path) -> BenchDatabase:
        """A copy of this database as it is now (migrated, before any import)."""
        other = BenchDatabase(self.engine, workdir, self.postgres_url)
        workdir.mkdir(parents=True, exist_ok=True)
        if self.engine == "sqlite":
            shutil.copyfile(self.workdir / "db.sqlite3", workdir / "db.sqlite3")
        else:
            self._admin(f'CREATE DATABASE "{other.name}" TEMPLATE "{self.name}"')
        return other


def _ipcity(args: list[str], env: dict) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run `ipcity <args>`: (result, seconds, the child's peak resident memory in MB)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "ipcity.cli", *args], env=env, stdout=out, stderr=err
        )
        _pid, status, usage = os.wait4(proc.pid, 0)  # reaped here, with its own resource use
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(proc.args, proc.returncode, out.read(), err.read())
    if result.returncode != 0:
        raise RuntimeError(
            f"ipcity {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}"
        )
    return result, elapsed, usage.ru_maxrss / 1024  # kB on Linux


def run_import_bench(
    path: Path,
    engine: str,
    *,
    postgres_url: str = "",
    template: Path | None = None,
    keep: bool = False,
    xlsx: Path | None = None,
    floor: bool = True,
) -> ImportFigures:
    header, rows = count_rows(path)
    xlsx_rows, xlsx_seconds = 0, 0.0
    found = None
    baseline_name = "PostgreSQL COPY" if engine == "postgresql" else "csv + sqlite3 executemany"
    with tempfile.TemporaryDirectory(prefix="ipcity-bench-") as tmp:
        db = BenchDatabase(engine, Path(tmp), postgres_url, template)
        db.create()
        xdb = None
        empties: list[BenchDatabase] = []
        try:
            xdb = db.clone(Path(tmp) / "xlsx") if xlsx is not None else None
            if floor:
                for name in ("kept", "after"):  # each kept as made, to be dropped at the end
                    empties.append(db.clone(Path(tmp) / name))
            if engine == "postgresql":
                baseline = copy_baseline(path, db.url, len(header))
            else:
                baseline = sqlite_baseline(path, len(header))
            env = db.env()
            first, first_s, peak1 = _ipcity(["rights", "import", str(path)], env)
            if floor:
                found = _floor(db, empties)
            second, second_s, peak2 = _ipcity(["rights", "import", str(path)], env)
            one, two = json.loads(first.stdout), json.loads(second.stdout)
            if xdb is not None:
                book, xlsx_seconds, _peak = _ipcity(["rights", "import", str(xlsx)], xdb.env())
                xlsx_rows = json.loads(book.stdout)["created"]
        finally:
            if not keep:
                db.drop()
            if xdb is not None:
                xdb.drop()
            for empty in empties:
                empty.drop()
    return ImportFigures(
        engine=engine,
        rows=rows,
        baseline=baseline_name,
        baseline_seconds=baseline,
        first_seconds=first_s,
        second_seconds=second_s,
        peak_mb=max(peak1, peak2),
        created=one["created"],
        updated=two["updated"],
        xlsx_rows=xlsx_rows,
        xlsx_seconds=xlsx_seconds,
        floor_kept_seconds=found.kept_seconds if found else 0.0,
        floor_deferred_seconds=found.deferred_seconds if found else 0.0,
        floor_rows=found.rows if found else None,
    )


def _floor(db: BenchDatabase, empties: list[BenchDatabase]):
    from . import floor

    kept, after = empties
    if db.engine == "postgresql":
        return floor.measure_postgresql(db.url, kept.url, after.url)
    name = "db.sqlite3"
    return floor.measure_sqlite(db.workdir / name, kept.workdir / name, after.workdir / name)

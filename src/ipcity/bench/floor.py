"""The write floor: what the database alone takes to store the rows an import leaves behind.

Between the benchmark's first import and its second, the rows the first import added to the
tables an import writes (`TABLES`) are loaded into an empty migrated copy of the same database by
the engine itself, with no Python per row:

- **SQLite**: the imported file is attached and each table filled by `INSERT … SELECT`, in one
  transaction, with the platform's own settings (WAL, `synchronous=NORMAL`, foreign keys on,
  and the page cache an import writes with, `core.bulk.WRITE_CACHE_MB`); the full-text index
  is kept by its trigger, as when the platform writes.
- **PostgreSQL**: each table's rows are first written to a file with
  `COPY (SELECT …) TO STDOUT (FORMAT binary)` (not timed), then loaded with
  `COPY … FROM STDIN (FORMAT binary)` in one transaction.

Two loads, each into an empty copy of its own:

- **indexes kept**, as a live database must keep them while its pages are being read;
- **indexes built after**: the secondary indexes that enforce nothing (and on SQLite the
  full-text index's trigger) are dropped before the load and built again afterwards, in the
  same transaction, and checked to be all back. This is the least a bulk load of these rows
  can take while the data is checked as the platform checks it: the primary keys, unique
  indexes and foreign keys stay in both.

No import, however it is written, stores these rows faster than its floor: a bar above the floor
can only be met by storing or indexing less, not by faster code.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ipcity.core.bulk import WRITE_CACHE_MB

# Every table a patent import writes, parents before children (the foreign keys are checked).
TABLES = (
    "orgs_organization",
    "orgs_historicalorganization",
    "rights_patent",
    "rights_historicalpatent",
    "rights_patentholder",
    "rights_legalevent",
    "rights_historicallegalevent",
)


@dataclass
class Floor:
    kept_seconds: float
    deferred_seconds: float
    rows: dict[str, int]


def measure_sqlite(source: Path, kept: Path, after: Path) -> Floor:
    """`source`: the imported file; `kept` and `after`: migrated files the import has not
    touched, loaded (and removed) one after the other."""
    kept_s, rows = _sqlite_load(source, kept, deferred=False)
    after_s, rows_after = _sqlite_load(source, after, deferred=True)
    return _floor(kept_s, after_s, rows, rows_after)


def _floor(kept: float, after: float, rows: dict, rows_after: dict) -> Floor:
    if rows != rows_after:
        raise RuntimeError(f"the two loads stored different rows: {rows} and {rows_after}")
    return Floor(kept, after, rows)


def _sqlite_load(source: Path, target: Path, deferred: bool):
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA cache_size = {-WRITE_CACHE_MB * 1024}")
        conn.execute("ATTACH DATABASE ? AS src", [str(source)])
        tops = {t: _sqlite_top(conn, t) for t in TABLES}
        schema = _sqlite_schema(conn)
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        rebuild = _sqlite_drop_indexes(conn) if deferred else []
        rows = {}
        for table in TABLES:
            key = _sqlite_pk(conn, table)
            cursor = conn.execute(
                f'INSERT INTO main."{table}" SELECT * FROM src."{table}" WHERE "{key}" > ?',
                [tops[table]],
            )
            rows[table] = cursor.rowcount
        for sql in rebuild:
            conn.execute(sql)
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        if _sqlite_schema(conn) != schema:
            raise RuntimeError("indexes or triggers were not all made again after the load")
        return elapsed, rows
    finally:
        conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)


def _sqlite_pk(conn, table: str) -> str:
    return next(r[1] for r in conn.execute(f'PRAGMA main.table_info("{table}")') if r[5] == 1)


def _sqlite_top(conn, table: str) -> int:
    key = _sqlite_pk(conn, table)
    return conn.execute(f'SELECT coalesce(max("{key}"), 0) FROM main."{table}"').fetchone()[0]


def _sqlite_schema(conn) -> list[tuple]:
    return conn.execute(
        "SELECT type, name, sql FROM main.sqlite_master ORDER BY type, name"
    ).fetchall()


def _sqlite_drop_indexes(conn) -> list[str]:
    """Drop the tables' secondary indexes (not the unique ones) and full-text insert
    triggers: the statements that make them again, the full-text indexes' rebuild last."""
    marks = ", ".join("?" * len(TABLES))
    found = conn.execute(
        "SELECT type, name, sql FROM main.sqlite_master WHERE sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) AND ((type = 'index' AND sql NOT LIKE 'CREATE UNIQUE%') "
        "OR (type = 'trigger' AND sql LIKE '%AFTER INSERT%' AND sql LIKE '%fts%'))",
        TABLES,
    ).fetchall()
    remake = []
    for kind, name, sql in found:
        conn.execute(f'DROP {kind.upper()} main."{name}"')
        remake.append(sql)
    # The full-text indexes over these tables' content, not every one the database has.
    for name, sql in conn.execute(
        "SELECT name, sql FROM main.sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%'"
    ).fetchall():
        if any(f"content='{table}'" in sql for table in TABLES):
            remake.append(f'INSERT INTO main."{name}"("{name}") VALUES (\'rebuild\')')
    return remake


def measure_postgresql(source_url: str, kept_url: str, after_url: str) -> Floor:
    """`source_url`: the imported database; the other two: migrated copies it has not touched."""
    import psycopg

    with tempfile.TemporaryDirectory(prefix="ipcity-floor-") as tmp:
        spooled = {}
        with psycopg.connect(kept_url) as empty, psycopg.connect(source_url) as source:
            for table in TABLES:
                key = _pg_pk(empty, table)
                top = empty.execute(f'SELECT coalesce(max("{key}"), 0) FROM "{table}"').fetchone()
                path = Path(tmp) / f"{table}.bin"
                columns = _pg_columns(empty, table)
                rows = f'SELECT {columns} FROM "{table}" WHERE "{key}" > {int(top[0])}'
                sql = f"COPY ({rows}) TO STDOUT "
                with (
                    source.cursor() as cur,
                    cur.copy(sql + "(FORMAT binary)") as copy,
                    path.open("wb") as out,
                ):
                    for block in copy:
                        out.write(block)
                spooled[table] = (path, columns)
        kept, rows = _pg_load(kept_url, spooled, deferred=False)
        after, rows_after = _pg_load(after_url, spooled, deferred=True)
    return _floor(kept, after, rows, rows_after)


def _pg_pk(conn, table: str) -> str:
    return conn.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = i.indkey[0] WHERE i.indrelid = %s::regclass AND i.indisprimary",
        [table],
    ).fetchone()[0]


def _pg_columns(conn, table: str) -> str:
    """The table's stored columns, in order (a generated column is computed, not loaded)."""
    names = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
        "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
        [table],
    ).fetchall()
    return ", ".join(f'"{name}"' for (name,) in names)


def _pg_load(url: str, spooled: dict[str, tuple[Path, str]], deferred: bool):
    import psycopg

    with psycopg.connect(url) as conn:
        indexes = _pg_indexes(conn)
        start = time.perf_counter()
        remake = _pg_drop_indexes(conn) if deferred else []
        rows = {}
        for table, (path, columns) in spooled.items():
            with conn.cursor() as cur:
                sql = f'COPY "{table}" ({columns}) FROM STDIN (FORMAT binary)'
                with cur.copy(sql) as copy, path.open("rb") as handle:
                    while block := handle.read(1 << 20):
                        copy.write(block)
                rows[table] = cur.rowcount
        if remake:
            # The deferred foreign key checks run now: an index is not built over pending ones.
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for sql in remake:
            conn.execute(sql)
        conn.commit()
        elapsed = time.perf_counter() - start
        if _pg_indexes(conn) != indexes:
            raise RuntimeError("indexes were not all made again after the load")
        return elapsed, rows


def _pg_indexes(conn) -> list[tuple]:
    return conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1",
        [list(TABLES)],
    ).fetchall()


def _pg_drop_indexes(conn) -> list[str]:
    """Drop the tables' indexes that enforce nothing (neither a constraint nor uniqueness): the
    statements that make them again."""
    found = conn.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        "LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND k.oid IS NULL AND NOT i.indisunique",
        [list(TABLES)],
    ).fetchall()
    for name, _sql in found:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]

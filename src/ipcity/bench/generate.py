"""`ipcity bench generate`: a deterministic synthetic data set at a district's or a city's scale.

The same seed gives the same files byte for byte and the same database rows (up to primary keys,
which the database assigns): every draw comes from `random.Random` streams seeded from the seed
and a name, nothing reads the clock, and the data set describes the fixed day
`world.REFERENCE_DATE` (statuses, lapses, decisions, the year of the high-value classification;
every created_at/updated_at is noon of that day).

What is written:

- organizations (holders across the district, elsewhere in Beijing, elsewhere in China and
  Nantong's Tongzhou, natural persons, universities, banks, service institutions, the
  enforcement agencies and the district's street and town offices);
- patents, in the incoPat layout as csv (all rows) and xlsx (the first rows, streamed by
  openpyxl's write-only mode), and in the database with their holder links and legal events,
  each row what `ipcity rights import` would write for its file row;
- trademarks, transfers and licences, pledges, enforcement cases (with agencies, officers,
  steps, parties, rights, handlers and repeat relations) in the database.

Rows are written with `bulk_create` in chunks, each chunk in its own transaction, and at most a
chunk of patents is held in memory. bulk_create bypasses django-simple-history: the generated
rows have no history records (acceptable for benchmark data; an import would write one per row),
and it bypasses the signals of the real paths, whose derived fields are computed here set-wise
instead (see database.py, deals.py, cases.py). A run into a database that already holds patents
is refused unless forced; a run that fails midway leaves the chunks written before it. Reference
data the rows point to (the district's regions, the high-value rule sets) is loaded by the
project's own loaders when missing.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import world as w
from .patents import HEADERS, PatentGenerator

XLSX_ROWS = 100_000


class Refused(Exception):
    """The run would write into a database it must not touch; the message says why."""


@dataclass
class Options:
    scale: w.Scale
    seed: int = 1
    out: Path | None = None
    database: bool = True
    files: bool = True
    force: bool = False
    xlsx_rows: int = XLSX_ROWS
    chunk: int = 5_000


@dataclass
class Result:
    tables: list[tuple[str, int, float | None]] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    elapsed: float = 0.0


class Progress:
    """Prints rows written per table with the time taken, at most every few seconds."""

    def __init__(self, write=None, every: float = 5.0):
        self.write = write or (lambda line: None)
        self.every = every
        self.started = time.monotonic()
        self._last: dict[str, float] = {}
        self._table_start: dict[str, float] = {}

    def begin(self, table: str) -> None:
        self._table_start[table] = time.monotonic()
        self._last[table] = time.monotonic()

    def step(self, table: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last.get(table, 0.0) < self.every:
            return
        self._last[table] = now
        spent = now - self._table_start.get(table, self.started)
        rate = done / spent if spent > 0 else 0.0
        self.write(
            f"  {table:<14} {done:>11,} / {total:<11,} {spent:8.1f} s {rate:>10,.0f} rows/s"
            f"   (elapsed {now - self.started:.0f} s)"
        )

    def took(self, table: str) -> float:
        return time.monotonic() - self._table_start.get(table, self.started)


def default_out(scale: w.Scale) -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "bench" / scale.name


def _check_database(force: bool) -> None:
    from django.db import DatabaseError

    from ipcity.rights.models import Patent

    try:
        count = Patent.objects.count()
    except DatabaseError as exc:
        raise Refused(f"The database cannot be read ({exc}). Run `ipcity migrate` first.") from None
    if count and not force:
        raise Refused(
            f"The database already holds {count:,} patents. Benchmark data is meant for a "
            "database of its own (set IPCITY_VAR_DIR or DATABASE_URL); give --force to add it "
            "anyway."
        )


class Files:
    """The incoPat-layout csv (every patent) and xlsx (the first `xlsx_rows`)."""

    def __init__(self, out: Path, xlsx_rows: int):
        from openpyxl import Workbook

        out.mkdir(parents=True, exist_ok=True)
        self.csv_path = out / "patents-incopat.csv"
        self.xlsx_path = out / "patents-incopat.xlsx"
        self.xlsx_rows = xlsx_rows
        self.csv_rows = self.xlsx_written = 0
        # utf-8 with a BOM, as spreadsheet programs and the exports themselves write it.
        self._csv = open(self.csv_path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self._writer = csv.writer(self._csv)
        self._writer.writerow(HEADERS)
        self._book = None
        if xlsx_rows > 0:
            self._book = Workbook(write_only=True)
            self._sheet = self._book.create_sheet("专利")
            self._sheet.append(HEADERS)

    def write(self, rows: list[list]) -> None:
        self._writer.writerows(rows)
        self.csv_rows += len(rows)
        if self._book is not None and self.xlsx_written < self.xlsx_rows:
            for row in rows[: self.xlsx_rows - self.xlsx_written]:
                self._sheet.append(row)
                self.xlsx_written += 1

    def close(self) -> None:
        self._csv.close()
        if self._book is not None:
            self._book.save(self.xlsx_path)
            self._book = None

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with open(self.csv_path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


def _models():
    from ipcity.orgs.models import Organization
    from ipcity.protection.models import (
        Agency,
        Case,
        CaseEvent,
        CaseHandler,
        CaseParty,
        CaseRight,
        Officer,
    )
    from ipcity.rights.models import LegalEvent, Patent, Trademark
    from ipcity.utilization.models import Pledge, Transaction
    from ipcity.utilization.models.transfers import TransactionEvent

    return [
        Organization,
        Patent,
        LegalEvent,
        Trademark,
        Transaction,
        TransactionEvent,
        Pledge,
        Agency,
        Officer,
        Case,
        CaseEvent,
        CaseParty,
        CaseRight,
        CaseHandler,
    ]


def generate(options: Options, write=None) -> Result:
    """Generate the data set; `write(line)` receives progress lines."""
    from contextlib import nullcontext

    from ipcity.core.bulk import write_cache

    if not (options.database or options.files):
        raise ValueError("nothing to write")
    if options.database:
        _check_database(options.force)
    progress = Progress(write)
    result = Result()
    scale, seed = options.scale, options.seed
    places = w.Places.load()
    world = w.World(scale, seed, places)
    plan = w.make_plan(world, seed)
    say = write or (lambda line: None)
    say(
        f"Generating {scale.name} data (seed {seed}): {scale.patents:,} patents, "
        f"{scale.trademarks:,} trademarks, {len(world.orgs):,} organizations, "
        f"{scale.cases:,} cases, {scale.transactions:,} transactions, {scale.pledges:,} pledges."
    )
    db = None
    if options.database:
        from django.conf import settings

        from ipcity.orgs.regions import load_regions
        from ipcity.rights.highvalue import ensure_rule_sets

        load_regions(settings.IPCITY_REGION_FILE)
        ensure_rule_sets()
        from .database import Database

        db = Database(world, seed)
    files = None
    if options.files:
        out = options.out or default_out(scale)
        files = Files(Path(out), min(options.xlsx_rows, scale.patents))
        say(f"Files in {out}")
    from .database import fixed_timestamps

    guard = fixed_timestamps(_models()) if db is not None else nullcontext()
    try:
        with guard, _collisions(), write_cache() if db is not None else nullcontext():
            if db is not None:
                progress.begin("organizations")
                n = db.write_organizations(progress, options.chunk)
                result.tables.append(("organizations", n, progress.took("organizations")))
            _patents(options, world, plan, db, files, progress, result)
            if db is not None:
                _other_tables(options, db, plan, progress, result)
                _analyze(progress, result)
    finally:
        if files is not None:
            files.close()
    if files is not None:
        result.files = {"csv": files.csv_path}
        if files.xlsx_written:
            result.files["xlsx"] = files.xlsx_path
        manifest = {
            "scale": scale.name,
            "seed": seed,
            "reference_date": w.REFERENCE_DATE.isoformat(),
            "rows": scale.rows() | {"organizations": len(world.orgs)},
            "csv": {"file": files.csv_path.name, "rows": files.csv_rows, "sha256": files.sha256()},
            "xlsx": {"file": files.xlsx_path.name, "rows": files.xlsx_written}
            if files.xlsx_written
            else None,
        }
        path = files.csv_path.parent / "manifest.json"
        path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
        result.files["manifest"] = path
    result.elapsed = time.monotonic() - progress.started
    return result


def _analyze(progress, result) -> None:
    """Table statistics for the query planner, as a database that has been in use has them
    (PostgreSQL's autovacuum may be off or not yet run; SQLite gathers none by itself)."""
    from django.db import connection

    progress.begin("statistics")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    result.tables.append(("statistics", 0, progress.took("statistics")))


@contextmanager
def _collisions():
    """A unique number or credit code already in the database (only with --force) ends the run
    with a message instead of a traceback; the chunks written before stay."""
    from django.db import IntegrityError

    try:
        yield
    except IntegrityError as exc:
        raise Refused(
            f"A generated row collides with one already in the database ({exc}). Chunks written "
            "before this one were kept; generate into an empty database instead."
        ) from None


def _patents(options, world, plan, db, files, progress, result) -> None:
    generator = PatentGenerator(world, plan, options.seed)
    total = options.scale.patents
    if db is not None:
        db.prepare_patents(plan)
    links = events = 0
    progress.begin("patents")
    for start in range(0, total, options.chunk):
        records = [generator.record(i) for i in range(start, min(total, start + options.chunk))]
        if files is not None:
            files.write([generator.row(r) for r in records])
        if db is not None:
            _n, n_links, n_events = db.write_patents(records)
            links += n_links
            events += n_events
        progress.step("patents", start + len(records), total)
    result.tables.append(("patents", total, progress.took("patents")))
    if db is not None:
        result.tables += [("  holder links", links, None), ("  legal events", events, None)]


def _other_tables(options, db, plan, progress, result) -> None:
    from .cases import write_cases
    from .deals import write_pledges, write_transactions

    progress.begin("trademarks")
    n = db.write_trademarks(progress, plan, options.scale.trademarks, options.chunk)
    result.tables.append(("trademarks", n, progress.took("trademarks")))
    progress.begin("transactions")
    n, links = write_transactions(db, plan, progress, options.chunk)
    result.tables += [
        ("transactions", n, progress.took("transactions")),
        ("  rights linked", links, None),
    ]
    progress.begin("pledges")
    n, links = write_pledges(db, plan, progress, options.chunk)
    result.tables += [("pledges", n, progress.took("pledges")), ("  rights pledged", links, None)]
    progress.begin("cases")
    counts = write_cases(db, plan, progress, options.chunk)
    result.tables.append(("cases", counts.pop("cases"), progress.took("cases")))
    result.tables += [(f"  {name}", value, None) for name, value in counts.items()]


def summary(result: Result) -> list[str]:
    """The summary table: rows and seconds per table, then the files."""
    lines = [f"{'table':<18} {'rows':>12} {'seconds':>9}"]
    for name, rows, seconds in result.tables:
        took = f"{seconds:9.1f}" if seconds is not None else ""
        lines.append(f"{name:<18} {rows:>12,} {took:>9}")
    for kind, path in result.files.items():
        lines.append(f"{kind:<18} {path!s}")
    lines.append(f"{'total':<18} {'':>12} {result.elapsed:9.1f}")
    return lines

"""Fast bulk writes for imports: INSERTs of many rows per statement, and one prepared UPDATE
run with `executemany`.

`QuerySet.bulk_create` and `bulk_update` compile every value of every row through the ORM's
SQL compiler (and `bulk_update` writes a CASE expression per field), which costs more than the
database's own work once a file has thousands of rows. These writers prepare the statement
once per model and each value by its field's type: values the database driver takes as they are
(text, numbers, booleans, foreign keys) pass untouched; the rest (dates and times, decimals, JSON)
go through the field's own `get_db_prep_save`, so what is stored is exactly what the ORM would
store. History records (django-simple-history) are written the same way, one per row, as
`bulk_create_with_history` would write them.

An insert writes up to `MAX_ROWS` rows in one `INSERT … VALUES (…), (…), …` statement, within
the database's limit on parameters. Each statement has fixed costs, and on SQLite a full-text
index kept by a trigger writes its pending terms to disk at the end of every statement: one
statement per row made inserting a patent about 4× slower than the rows' own work.

No model signals are sent, as with the ORM's bulk methods.
"""

from __future__ import annotations

import datetime as dt
import operator
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

from django.db import connections, models
from django.db.models.fields import AutoFieldMixin

# Field types whose Python values the drivers (sqlite3, psycopg) store as the ORM would.
_AS_IS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallAutoField",
    "SmallIntegerField",
    "SlugField",
    "TextField",
}


class _Prepared:
    """A field and how its value is made ready for the driver."""

    __slots__ = ("attname", "column", "prepare")

    def __init__(self, field, connection):
        self.attname = field.attname
        self.column = field.column
        # A foreign key stores its target's value (an integer primary key here).
        kind = (field.target_field if field.is_relation else field).get_internal_type()
        self.prepare = None if kind in _AS_IS else _prep_save(field, connection)


class _Reader:
    """The prepared values of the given fields of an object, as a list in the fields' order."""

    def __init__(self, fields: list[_Prepared]):
        names = [p.attname for p in fields]
        read = operator.attrgetter(*names)
        self.read = read if len(names) > 1 else (lambda obj: (read(obj),))
        self.prepared = [(i, p.prepare) for i, p in enumerate(fields) if p.prepare]

    def __call__(self, obj) -> list:
        values = list(self.read(obj))
        for i, prepare in self.prepared:
            values[i] = prepare(values[i])
        return values


def _prep_save(field, connection):
    # The last value and its prepared form: the rows of one write share their time stamps.
    last = [object(), None]

    def prepare(value, field=field, connection=connection, last=last):
        if value is last[0]:
            return last[1]
        prepared = field.get_db_prep_save(value, connection)
        if isinstance(value, dt.date):  # immutable; dates and times (datetime is a date)
            last[0], last[1] = value, prepared
        return prepared

    return prepare


# SQLite's page cache while a bulk write runs, in MB (the default is 2 MB).
WRITE_CACHE_MB = 128


@contextmanager
def write_cache(using: str = "default", megabytes: int = WRITE_CACHE_MB):
    """On SQLite, a page cache of `megabytes` for this connection while the block writes.

    With the default 2 MB, a table's indexes outgrow the cache early: every row's index entries
    then read their pages back and write others out to the WAL, and a long write spends most of
    its time there. The cache is given back at the end. Other engines: nothing changes.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    # The driver's connection, not Django's cursor: the size must be given back even when the
    # block fails inside an atomic block that a failed write has marked for rollback (Django's
    # cursor refuses every statement there, and its error would hide the block's own).
    connection.ensure_connection()
    raw = connection.connection
    previous = int(raw.execute("PRAGMA cache_size").fetchone()[0])
    raw.execute(f"PRAGMA cache_size = {-int(megabytes) * 1024}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA cache_size = {previous}")


# Rows per INSERT statement at most; beyond a few hundred rows a longer statement gains nothing.
MAX_ROWS = 500
# PostgreSQL's protocol numbers parameters with 16 bits.
_POSTGRES_PARAMS = 65535


def max_params(connection) -> int:
    """Parameters one statement may carry on this connection."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        # Django states SQLite's historical 999; the library in use reports its own limit.
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return connection.features.max_query_params or _POSTGRES_PARAMS


class _MultiRowInsert:
    """`INSERT INTO table (columns) VALUES (…), (…), …` for batches of rows."""

    def __init__(self, connection, table: str, columns: list[str], using: str):
        quote = connection.ops.quote_name
        self.using = using
        target = f"{quote(table)} ({', '.join(quote(c) for c in columns)})"
        self.head = f"INSERT INTO {target} VALUES "
        self.copy_sql = f"COPY {target} FROM STDIN"
        self.one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        self.width = len(columns)
        self.per_statement = max(1, min(MAX_ROWS, max_params(connection) // self.width))
        self._sql: dict[int, str] = {}

    def sql(self, rows: int) -> str:
        if rows not in self._sql:
            self._sql[rows] = self.head + ", ".join([self.one] * rows)
        return self._sql[rows]

    def write(self, rows: list[tuple]) -> None:
        connection = connections[self.using]
        if connection.vendor == "postgresql":
            _copy_rows(connection, self.copy_sql, rows)
            return
        step = self.per_statement
        with connection.cursor() as cursor:
            for start in range(0, len(rows), step):
                batch = rows[start : start + step]
                cursor.execute(self.sql(len(batch)), [v for row in batch for v in row])


def _column(model, attname: str) -> str:
    return next(f.column for f in model._meta.concrete_fields if f.attname == attname)


def _copy_rows(connection, sql: str, rows: list) -> None:
    # Django's cursor wraps execute(); COPY goes to the driver's cursor, so the write is noted
    # here for the data generation (core.generation).
    from ipcity.core import generation

    # As Django's cursor would: no statement in a broken transaction, and the driver's errors
    # raised as Django's (an IntegrityError for a duplicate key).
    connection.validate_no_broken_transaction()
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)
    generation.wrote(connection)


def _insert_fields(model) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, AutoFieldMixin))
    ]


class Inserter:
    """INSERT rows of one model: `insert(objs)` writes every object's concrete fields (the
    automatic primary key excepted, so the objects' `pk` stays unset)."""

    def __init__(self, model, using: str = "default"):
        self.model = model
        self.using = using
        connection = connections[using]
        fields = _insert_fields(model)
        self.fields = [_Prepared(f, connection) for f in fields]
        self.stamped = [
            f.attname
            for f in fields
            if isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add)
        ]
        self.statement = _MultiRowInsert(
            connection, model._meta.db_table, [p.column for p in self.fields], using
        )
        self.reader = _Reader(self.fields)

    def row(self, obj) -> list:
        return self.reader(obj)

    def insert(self, objs: Sequence, now: dt.datetime | None = None) -> None:
        if not objs:
            return
        if now is not None:
            for obj in objs:
                for name in self.stamped:
                    setattr(obj, name, now)
        self.statement.write([self.row(obj) for obj in objs])


class Updater:
    """UPDATE the given fields of rows by primary key, one prepared statement for all."""

    def __init__(self, model, field_names: Iterable[str], using: str = "default"):
        self.using = using
        connection = connections[using]
        meta = model._meta
        self.fields = [_Prepared(meta.get_field(name), connection) for name in field_names]
        quote = connection.ops.quote_name
        sets = ", ".join(f"{quote(p.column)} = %s" for p in self.fields)
        self.sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s"
        self.reader = _Reader(self.fields)

    def update(self, objs: Sequence) -> None:
        if not objs:
            return
        reader = self.reader
        rows = [(*reader(obj), obj.pk) for obj in objs]
        with connections[self.using].cursor() as cursor:
            cursor.executemany(self.sql, rows)


class HistoryInserter:
    """The history records of saved rows, as django-simple-history writes them: every tracked
    field's value, then the date, the user, no change reason and the type ("+" created,
    "~" changed)."""

    SPECIAL = ("history_date", "history_user_id", "history_change_reason", "history_type")

    def __init__(self, model, using: str = "default"):
        self.history_model = model.history.model
        self.using = using
        connection = connections[using]
        fields = _insert_fields(self.history_model)
        names = {f.attname for f in fields}
        missing = [n for n in self.SPECIAL if n not in names]
        if missing:
            raise ValueError(f"{self.history_model.__name__} lacks {missing}")
        tracked = {f.attname for f in self.history_model.tracked_fields}
        unsupported = [f.attname for f in fields if f.attname not in tracked | set(self.SPECIAL)]
        if unsupported:
            raise ValueError(f"{self.history_model.__name__}: not supported: {unsupported}")
        # The tracked fields' columns first, then the history's own (`SPECIAL`, in that order).
        self.fields = [_Prepared(f, connection) for f in fields if f.attname in tracked]
        self.reader = _Reader(self.fields)
        self.prepare_date = _prep_save(
            self.history_model._meta.get_field("history_date"), connection
        )
        self.statement = _MultiRowInsert(
            connection,
            self.history_model._meta.db_table,
            [p.column for p in self.fields]
            + [_column(self.history_model, name) for name in self.SPECIAL],
            using,
        )

    def insert(self, objs: Sequence, *, user, date: dt.datetime, kind: str) -> None:
        """History for `objs`, which must have their primary keys."""
        if not objs:
            return
        special = (self.prepare_date(date), getattr(user, "pk", None), None, kind)
        reader = self.reader
        rows = [(*reader(obj), *special) for obj in objs]
        self.statement.write(rows)

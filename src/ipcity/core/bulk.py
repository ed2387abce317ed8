"""Fast bulk writes for imports: one prepared INSERT or UPDATE run with `executemany`.

`QuerySet.bulk_create` and `bulk_update` compile every value of every row through the ORM's
SQL compiler (and `bulk_update` writes a CASE expression per field), which costs more than the
database's own work once a file has thousands of rows. These writers prepare the statement
once per model and each value by its field's type: values the database driver takes as they are
(text, numbers, booleans, foreign keys) pass untouched; the rest (dates and times, decimals, JSON)
go through the field's own `get_db_prep_save`, so what is stored is exactly what the ORM would
store. History records (django-simple-history) are written the same way, one per row, as
`bulk_create_with_history` would write them.

No model signals are sent, as with the ORM's bulk methods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

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


def _prep_save(field, connection):
    def prepare(value, field=field, connection=connection):
        return field.get_db_prep_save(value, connection)

    return prepare


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
        quote = connection.ops.quote_name
        columns = ", ".join(quote(p.column) for p in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"

    def row(self, obj) -> tuple:
        return tuple(
            getattr(obj, p.attname) if p.prepare is None else p.prepare(getattr(obj, p.attname))
            for p in self.fields
        )

    def insert(self, objs: Sequence, now: dt.datetime | None = None) -> None:
        if not objs:
            return
        if now is not None:
            for obj in objs:
                for name in self.stamped:
                    setattr(obj, name, now)
        with connections[self.using].cursor() as cursor:
            cursor.executemany(self.sql, [self.row(obj) for obj in objs])


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

    def update(self, objs: Sequence) -> None:
        if not objs:
            return
        rows = [
            (
                *(
                    getattr(obj, p.attname)
                    if p.prepare is None
                    else p.prepare(getattr(obj, p.attname))
                    for p in self.fields
                ),
                obj.pk,
            )
            for obj in objs
        ]
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
        self.fields = []
        for f in fields:
            if f.attname in tracked:
                self.fields.append(_Prepared(f, connection))
            elif f.attname in self.SPECIAL:
                self.fields.append(f.attname)
            else:
                raise ValueError(f"{self.history_model.__name__}.{f.attname}: not supported")
        self.prepare_date = _prep_save(
            self.history_model._meta.get_field("history_date"), connection
        )
        quote = connection.ops.quote_name
        columns = ", ".join(quote(p if isinstance(p, str) else p.column) for p in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        table = quote(self.history_model._meta.db_table)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"

    def insert(self, objs: Sequence, *, user, date: dt.datetime, kind: str) -> None:
        """History for `objs`, which must have their primary keys."""
        if not objs:
            return
        special = {
            "history_date": self.prepare_date(date),
            "history_user_id": getattr(user, "pk", None),
            "history_change_reason": None,
            "history_type": kind,
        }
        rows = []
        for obj in objs:
            rows.append(
                tuple(
                    special[p]
                    if isinstance(p, str)
                    else (
                        getattr(obj, p.attname)
                        if p.prepare is None
                        else p.prepare(getattr(obj, p.attname))
                    )
                    for p in self.fields
                )
            )
        with connections[self.using].cursor() as cursor:
            cursor.executemany(self.sql, rows)

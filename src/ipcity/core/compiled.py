"""Queries that every request runs, written into SQL by the ORM once instead of every time.

Turning a queryset into SQL is most of what a small query costs here: the authenticator
standing of the signed-in user (two EXISTS subqueries) took about 2 ms to compile and a tenth
of that to run. A `Compiled` query is built by a function of stand-in values; the SQL the ORM
writes for it is kept per database, and each call runs that SQL with the stand-ins replaced by
the values given. The SQL is made again after any setting changes (a setting can be a
parameter of the query, such as a list of role codes).

Only for queries whose shape does not depend on the values: a value is a parameter of the
SQL, never part of its text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.core.signals import setting_changed
from django.db import connections

_ALL: list[Compiled] = []


class Compiled:
    def __init__(self, build: Callable, *stand_ins, count: bool = False):
        """`build(*stand_ins)` gives the queryset; `count` runs `COUNT(*)` over its rows."""
        self.build = build
        self.stand_ins = stand_ins
        self.count = count
        self._sql: dict[str, tuple] = {}
        _ALL.append(self)

    def _prepared(self, using: str):
        found = self._sql.get(using)
        if found is None:
            queryset = self.build(*self.stand_ins).using(using)
            compiler = queryset.query.get_compiler(using)
            sql, params = compiler.as_sql()
            converters = []
            if self.count:
                sql = f"SELECT COUNT(*) FROM ({sql}) subquery"
            else:
                # What turns each column's value as the database gives it into Python's (a
                # date and time is text on SQLite, a flag a number), as the ORM applies it.
                columns = [selected[0] for selected in compiler.select[: compiler.col_count]]
                converters = list(compiler.get_converters(columns).items())
            # Where each stand-in stands among the parameters, and how the database is given
            # its value (None: a fixed parameter).
            ops = connections[using].ops
            slots = [self._slot(param, ops) for param in params]
            missing = set(range(len(self.stand_ins))) - {slot[0] for slot in slots if slot}
            if missing:
                raise ValueError(f"stand-ins not found among the query's parameters: {missing}")
            found = self._sql[using] = (sql, list(params), slots, converters)
        return found

    def _slot(self, param, ops):
        for index, stand_in in enumerate(self.stand_ins):
            # A date and time is a parameter as the database takes it (text on SQLite).
            adapt = ops.adapt_datetimefield_value if isinstance(stand_in, datetime) else None
            given = adapt(stand_in) if adapt else stand_in
            if type(param) is type(given) and param == given:
                return index, adapt or _same
            # The backend's own type of such a value (PostgreSQL's Int2 for a small integer
            # column): the value given is made one.
            if (
                type(given) in (int, str)
                and isinstance(param, type(given))
                and not isinstance(param, bool)  # a flag is no stand-in of 0 or 1
                and param == given
            ):
                return index, type(param)
        return None

    def rows(self, *values, using: str = "default") -> list[tuple]:
        sql, params, slots, converters = self._prepared(using)
        given = [
            param if slot is None else slot[1](values[slot[0]])
            for param, slot in zip(params, slots, strict=True)
        ]
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, given)
            rows = cursor.fetchall()
        if not converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(tuple(row))
        return converted

    def first(self, *values, using: str = "default") -> tuple | None:
        rows = self.rows(*values, using=using)
        return rows[0] if rows else None

    def forget(self) -> None:
        self._sql.clear()


def _same(value):
    return value


def _forget(**kwargs) -> None:
    for query in _ALL:
        query.forget()


setting_changed.connect(_forget, dispatch_uid="ipcity.core.compiled")

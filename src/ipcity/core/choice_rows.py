"""The rows a select's model choices are read from, kept by the process for as long as the data
generation (core.generation) stays the same.

A filter bar's select of streets, agencies or campaigns read its rows on every page: a query
compiled, sent and turned into objects (the patent list's 23 streets: about a millisecond, a
thirtieth of the page). The rows are now kept per query (its SQL and parameters, which hold the
user's scope where the queryset has one) and per generation: any write through the platform
starts a new generation, and with it a new reading. Rows read by a transaction with writes of
its own (which may yet be rolled back) are not kept, nor long lists (CHOICE_ROWS), and a reading
is kept no longer than CHOICE_SECONDS, as the users' grants are (core.scope). Read-only: the
objects are shared by the requests of the process.
"""

from __future__ import annotations

import time

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models.query import ModelIterable

from . import generation

_KEPT: dict[tuple, tuple[float, list]] = {}
CHOICE_QUERIES = 256
CHOICE_SECONDS = 60
CHOICE_ROWS = 500


def choice_rows(queryset) -> list:
    """The queryset's rows, read once per data generation."""
    if queryset._result_cache is not None:  # already read (a queryset given as it was)
        return list(queryset)
    queryset = queryset.all()
    if queryset._prefetch_related_lookups or queryset._iterable_class is not ModelIterable:
        # The key is the main query's SQL: a prefetch's own (which may hold a scope) or rows
        # made otherwise are not in it. Read every time.
        return list(queryset)
    connection = connections[queryset.db]
    if generation.uncommitted(connection):
        return list(queryset)
    token = generation.current()
    if not token:
        return list(queryset)
    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:  # `none()`: no query at all
        return []
    try:
        key = (queryset.db, token, queryset.model, sql, tuple(params))
        hash(key)
    except TypeError:  # a parameter that cannot be a key (a list): read every time
        return list(queryset)
    now = time.monotonic()
    kept = _KEPT.get(key)
    if kept is not None and now - kept[0] < CHOICE_SECONDS:
        return kept[1]
    rows = list(queryset)
    if len(rows) <= CHOICE_ROWS:
        if len(_KEPT) >= CHOICE_QUERIES:
            _KEPT.clear()
        _KEPT[key] = (now, rows)
    return rows


def forget() -> None:
    _KEPT.clear()

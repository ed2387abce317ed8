"""The rows a select's model choices are read from, kept by the process for as long as the data
generation stays the same (core.generation.Kept).

A filter bar's select of streets, agencies or campaigns read its rows on every page: a query
compiled, sent and turned into objects (the patent list's 23 streets: about a millisecond, a
thirtieth of the page). The rows are now kept per query (its SQL and parameters, which hold the
user's scope where the queryset has one): any write through the platform starts a new
generation, and with it a new reading. Long lists (CHOICE_ROWS) are not kept, and a reading no
longer than CHOICE_SECONDS, as the users' grants (core.scope).
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models.query import ModelIterable

from . import generation

_KEPT = generation.Kept()
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
    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:  # `none()`: no query at all
        return []
    key = (queryset.db, queryset.model, sql, tuple(params))
    try:
        hash(key)
    except TypeError:  # a parameter that cannot be a key (a list): read every time
        return list(queryset)
    return _KEPT.get(
        key,
        lambda: list(queryset),
        seconds=CHOICE_SECONDS,
        size=CHOICE_QUERIES,
        using=queryset.db,
        keep=lambda rows: len(rows) <= CHOICE_ROWS,
    )


def forget() -> None:
    _KEPT.clear()

"""Pages whose row count stops at a bound, so no list reads every matching row to number its pages.

An exact `COUNT(*)` reads every row the filters match: on a million patents a broad filter costs
a second or more, on every page of the list. `BoundedPaginator` counts at most
`IPCITY_COUNT_LIMIT` rows (`SELECT COUNT(*) FROM (… LIMIT n + 1)`): below the bound the count is
exact, above it the list says "more than n" (`count_capped`) and offers its first n rows in pages.
A "count all" link asks for the exact figure (`?count=all`, `exact=True`), narrower filters give
it at once, and the export still holds every row. Search engines bound their hit counts alike.

A list filtered by a full-text match is paged by what its count found (`counted`). A database
estimates a match beside another filter as if the two were independent; they are not (a design
patent rarely holds a technical word), and a plan that walks the list's order expecting the
newest matches soon may read every row of the filter to find none (a design patent and 识别 on
1,000,000 patents: 1.1 s). The count reads the primary keys of at most n + 1 rows instead of
counting them: within the bound the page is read from those keys, at most n rows to sort
(1.1 s → tens of ms); past it the match is told that it matches many rows (`after_count`), so
that it lets the planner walk the list's order. A match may also rewrite the keys query
(`for_keys`): on PostgreSQL a broad filter beside it is tested on the match's rows instead of
read from its own index (rights.search_index.GinMatch.for_keys).
"""

from __future__ import annotations

import copy
from typing import NamedTuple

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connections
from django.db.models.query import ModelIterable
from django.db.models.sql.where import AND
from django.utils.functional import cached_property

from .bulk import max_params
from .planning import lead_with_narrowest, walk_the_order


def bounded_count(queryset, limit: int | None = None) -> tuple[int, bool]:
    """(count, capped): the number of rows up to `limit`, and whether more rows match."""
    limit = max(1, settings.IPCITY_COUNT_LIMIT) if limit is None else limit
    if not hasattr(queryset, "query"):  # a list or another sequence: its length is known
        total = len(queryset)
        return min(total, limit), total > limit
    found = queryset.order_by()[: limit + 1].count()
    return min(found, limit), found > limit


class Counted(NamedTuple):
    count: int
    capped: bool
    rows: object  # the queryset (or sequence) to read the pages from


def counted(queryset, limit: int | None = None) -> Counted:
    """`bounded_count`, and the queryset whose slices are the pages (see the module's text).

    For a queryset narrowed by a match that takes part (an expression with `after_count`), the
    count reads the keys of up to `limit` + 1 rows: within the bound the pages are read from
    those keys, past it from the queryset; each match is told which (`after_count(capped)`),
    and may write itself for that. Any other queryset is counted and paged as it is."""
    limit = max(1, settings.IPCITY_COUNT_LIMIT) if limit is None else limit
    matches = _counted_matches(queryset)
    if matches and limit >= max_params(connections[queryset.db]):
        matches = []  # the keys would not fit in one statement's parameters: count instead
    if not matches:
        count, capped = bounded_count(lead_with_narrowest(queryset), limit)
        return Counted(count, capped, walk_the_order(queryset) if capped else queryset)
    keys = list(_for_keys(queryset, matches).values_list("pk", flat=True)[: limit + 1])
    if len(keys) > limit:
        return Counted(limit, True, _after_count(queryset, matches, capped=True))
    if not keys:
        return Counted(0, False, queryset.none())
    # The conditions stay, to confirm the rows (one changed since the count is not shown).
    rows = _after_count(queryset, matches, capped=False).filter(pk__in=keys)
    return Counted(len(keys), False, rows)


def _counted_matches(queryset) -> list[int]:
    """Positions in the queryset's conditions of the matches that take part in the count."""
    query = getattr(queryset, "query", None)
    if query is None or getattr(queryset, "_iterable_class", None) is not ModelIterable:
        return []
    # One row per primary key, so the keys read are the rows counted.
    if query.distinct or query.group_by or query.combinator or query.is_sliced:
        return []
    where = query.where
    if where.negated or where.connector != AND:
        return []
    return [i for i, child in enumerate(where.children) if _match_of(child) is not None]


def _match_of(condition):
    """The expression of a condition such as `filter(Match(...))` (`Match = true`), if it has
    `after_count`."""
    for candidate in (condition, getattr(condition, "lhs", None)):
        if callable(getattr(candidate, "after_count", None)):
            return candidate
    return None


def _for_keys(queryset, positions: list[int]):
    """The queryset whose keys the count reads: unordered, and as each counted match that has
    `for_keys` writes it (how the other conditions should be tested beside the match)."""
    rows = queryset.order_by()
    for i in positions:
        match = _match_of(rows.query.where.children[i])
        for_keys = getattr(match, "for_keys", None)
        if for_keys is not None:
            rows = for_keys(rows)
    return rows


def _after_count(queryset, positions: list[int], capped: bool):
    """A copy of `queryset` whose counted matches know what the count found."""
    rows = queryset.all()
    children = rows.query.where.children  # the copy's own list
    for i in positions:
        condition = children[i]
        match = _match_of(condition)
        if condition is match:
            children[i] = match.after_count(capped=capped)
        else:
            condition = copy.copy(condition)  # shares its expression with the original's
            condition.lhs = match.after_count(capped=capped)
            children[i] = condition
    return rows


class BoundedPaginator(Paginator):
    """A Django paginator whose `count` stops at `IPCITY_COUNT_LIMIT` (see the module's text)."""

    def __init__(
        self, object_list, per_page, *args, count_limit: int | None = None, exact=False, **kwargs
    ):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.count_limit = count_limit
        self.exact = exact

    @cached_property
    def _bounded(self) -> tuple[int, bool]:
        rows = self.object_list
        # A django-tables2 table pages its BoundRows; count the queryset beneath them and tell
        # the table's data its length, so nothing asks the database for the exact count.
        data = getattr(rows, "data", None)
        table_queryset = getattr(data, "data", None)
        if not hasattr(table_queryset, "query"):
            data = table_queryset = None
        queryset = table_queryset if data is not None else rows
        if self.exact:
            found = (queryset.count() if hasattr(queryset, "query") else len(rows), False)
        else:
            found = counted(queryset, self.count_limit)
            if found.rows is not queryset:  # the pages are read from there
                if data is not None:
                    data.data = found.rows
                else:
                    self.object_list = found.rows
        if data is not None:
            data._length = found[0]
        return found[0], found[1]

    @cached_property
    def count(self) -> int:
        return self._bounded[0]

    @property
    def count_capped(self) -> bool:
        return self._bounded[1]

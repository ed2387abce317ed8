"""Pages whose row count stops at a bound, so no list reads every matching row to number its pages.

An exact `COUNT(*)` reads every row the filters match: on a million patents a broad filter costs
a second or more, on every page of the list. `BoundedPaginator` counts at most
`IPCITY_COUNT_LIMIT` rows (`SELECT COUNT(*) FROM (… LIMIT n + 1)`): below the bound the count is
exact, above it the list says "more than n" (`count_capped`) and offers its first n rows in pages.
A "count all" link asks for the exact figure (`?count=all`, `exact=True`), narrower filters give
it at once, and the export still holds every row. Search engines bound their hit counts alike.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property


def count_limit() -> int:
    return max(1, int(getattr(settings, "IPCITY_COUNT_LIMIT", 10_000)))


def bounded_count(queryset, limit: int | None = None) -> tuple[int, bool]:
    """(count, capped): the number of rows up to `limit`, and whether more rows match."""
    limit = count_limit() if limit is None else limit
    if not hasattr(queryset, "query"):  # a list or another sequence: its length is known
        total = len(queryset)
        return min(total, limit), total > limit
    found = queryset.order_by()[: limit + 1].count()
    return min(found, limit), found > limit


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
        queryset = getattr(data, "data", None)
        if hasattr(queryset, "query"):
            found = (queryset.count(), False) if self.exact else None
            found = found or bounded_count(queryset, self.count_limit)
            data._length = found[0]
            return found
        if self.exact:
            return len(rows), False
        return bounded_count(rows, self.count_limit)

    @cached_property
    def count(self) -> int:
        return self._bounded[0]

    @property
    def count_capped(self) -> bool:
        return self._bounded[1]

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


def bounded_count(queryset, limit: int | None = None) -> tuple[int, bool]:
    """(count, capped): the number of rows up to `limit`, and whether more rows match."""
    limit = max(1, settings.IPCITY_COUNT_LIMIT) if limit is None else limit
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
        counted = queryset if hasattr(queryset, "query") else rows
        if self.exact:
            found = (counted.count() if counted is queryset else len(rows), False)
        else:
            found = bounded_count(counted, self.count_limit)
        if counted is queryset:
            data._length = found[0]
        return found

    @cached_property
    def count(self) -> int:
        return self._bounded[0]

    @property
    def count_capped(self) -> bool:
        return self._bounded[1]

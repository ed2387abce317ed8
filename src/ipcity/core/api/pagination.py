"""Bounded limit/offset pages: `{count, count_capped, next_offset, results}`.

The limit is capped so no call returns an unbounded list; `next_offset` is null on the last page.
`count` stops at `IPCITY_COUNT_LIMIT` (core.paginators): past it `count_capped` is true and the
rows go on, page by page, through `next_offset`.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from django.conf import settings
from ninja import Schema
from pydantic import Field

from ipcity.core.paginators import counted

MAX_LIMIT = 200
# Deep offsets make the database skip that many rows; past this, narrow the filters instead.
MAX_OFFSET = 1_000_000

T = TypeVar("T")


class PageParams(Schema):
    limit: int = Field(
        default=min(settings.IPCITY_PAGE_SIZE, MAX_LIMIT),
        ge=1,
        le=MAX_LIMIT,
        description=f"Rows per page (at most {MAX_LIMIT}).",
    )
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description="Rows to skip.")


class Page(Schema, Generic[T]):
    count: int = Field(
        description="Rows matching the filters, counted up to a bound (see count_capped)."
    )
    count_capped: bool = Field(
        default=False,
        description="True when more rows match than count says: the count stopped at its bound.",
    )
    next_offset: int | None = Field(
        default=None, description="Offset of the next page; null on the last page."
    )
    results: list[T]


def paginate(queryset, limit: int, offset: int) -> dict:
    count, capped, rows = counted(queryset)
    # One row more than the page tells whether another page follows, whatever the count says.
    results = list(rows[offset : offset + limit + 1])
    next_offset = offset + limit if len(results) > limit else None
    return {
        "count": count,
        "count_capped": capped,
        "next_offset": next_offset,
        "results": results[:limit],
    }

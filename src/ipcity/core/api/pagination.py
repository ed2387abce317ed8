"""Bounded limit/offset pages: `{count, next_offset, results}`.

The limit is capped so no call returns an unbounded list; `next_offset` is null on the last page.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from django.conf import settings
from ninja import Schema
from pydantic import Field

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
    count: int = Field(description="Rows matching the filters.")
    next_offset: int | None = Field(
        default=None, description="Offset of the next page; null on the last page."
    )
    results: list[T]


def paginate(queryset, limit: int, offset: int) -> dict:
    count = queryset.count()
    results = list(queryset[offset : offset + limit])
    next_offset = offset + limit if offset + limit < count else None
    return {"count": count, "next_offset": next_offset, "results": results}

"""API shapes for notices."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.core.api.params import MAX_ID, ObjectId
from ipcity.orgs.schemas import OrganizationRef

from ..choices import NoticeKind
from ..models import Notice


def _max(name: str) -> int:
    return Notice._meta.get_field(name).max_length


class ServiceNoticeOut(Schema):
    id: int
    title: str
    kind: NoticeKind
    document_number: str
    publisher: OrganizationRef
    summary: str
    body: str = Field(description="Plain text; paragraphs separated by blank lines.")
    published_on: date | None = Field(description="Null for a draft; a later day = scheduled.")
    pinned: bool
    link: str
    created_at: datetime
    updated_at: datetime


class ServiceNoticeFilters(PageParams):
    q: str | None = Field(default=None, max_length=100)
    kind: list[NoticeKind] | None = None
    publisher: int | None = Field(default=None, ge=1, le=MAX_ID)
    state: str | None = Field(default=None, pattern="^(draft|scheduled|published)$")
    published_after: date | None = None
    published_before: date | None = None


class NoticePage(Page[ServiceNoticeOut]):
    pass


class ServiceNoticeIn(Schema):
    title: str = Field(max_length=_max("title"))
    kind: NoticeKind
    document_number: str = Field(default="", max_length=_max("document_number"))
    publisher: ObjectId = Field(description="Organization id of the publisher.")
    summary: str = Field(default="", max_length=_max("summary"))
    body: str = Field(max_length=50_000)
    pinned: bool = False
    link: str = Field(default="", max_length=_max("link"))
    published_on: date | None = Field(
        default=None, description="Publish from this day; null keeps it a draft."
    )


class NoticeUpdate(Schema):
    title: str | None = Field(default=None, max_length=_max("title"))
    kind: NoticeKind | None = None
    document_number: str | None = Field(default=None, max_length=_max("document_number"))
    publisher: ObjectId | None = None
    summary: str | None = Field(default=None, max_length=_max("summary"))
    body: str | None = Field(default=None, max_length=50_000)
    pinned: bool | None = None
    link: str | None = Field(default=None, max_length=_max("link"))


class PublishIn(Schema):
    published_on: date | None = Field(
        default=None, description="Publish from this day (today when absent); null body = today."
    )

"""API shapes of public notices and objections."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams

from ..choices import ApplicationStatus, NoticeStatus, ObjectionStatus


class ListedOut(Schema):
    id: int
    number: str
    applicant: str
    approved_amount: Decimal | None
    status: ApplicationStatus

    @staticmethod
    def resolve_applicant(obj) -> str:
        return obj.applicant.name


class PublicNoticeOut(Schema):
    id: int
    program: int
    title: str
    number: str
    status: NoticeStatus
    starts_on: date | None
    ends_on: date | None
    text: str
    objection_contact: str
    applications: list[ListedOut]

    @staticmethod
    def resolve_program(obj) -> int:
        return obj.program_id

    @staticmethod
    def resolve_applications(obj) -> list:
        return list(getattr(obj, "listed", ()))


NoticePage = Page[PublicNoticeOut]


class PublicNoticeFilters(PageParams):
    program: int | None = None
    status: NoticeStatus | None = None
    year: int | None = Field(default=None, ge=1900, le=2999)


class ObjectionIn(Schema):
    application: int = Field(ge=1)
    objector_name: str = Field(max_length=200)
    objector_contact: str = Field(max_length=200)
    reason: str = Field(max_length=5000)
    received_on: date | None = None


class ObjectionOut(Schema):
    id: int
    application: int
    objector_name: str
    received_on: date
    status: ObjectionStatus
    resolution: str

    @staticmethod
    def resolve_application(obj) -> int:
        return obj.application_id

"""API shapes for service requests."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.core.api.params import MAX_ID
from ipcity.protection.choices import RightType

from ..choices import RequestEventKind, RequestStatus, ServiceKind
from ..models import ServiceRequest
from ..requests import DESCRIPTION_MAX, TEXT_MAX


def _max(name: str) -> int:
    return ServiceRequest._meta.get_field(name).max_length


class PointRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.organization.name


class RequestEventOut(Schema):
    kind: RequestEventKind
    at: datetime
    note: str
    public: bool
    point: int | None = Field(default=None, description="Institution id of the service point.")

    @staticmethod
    def resolve_point(obj) -> int | None:
        return obj.point_id


class RequestAttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str


class RequestOut(Schema):
    id: int
    tracking_code: str
    kind: ServiceKind
    status: RequestStatus
    subject: str
    description: str
    right_numbers: str
    requester: int | None = Field(description="Organization id of the requester.")
    requester_name: str
    contact_name: str
    contact_phone: str
    contact_email: str
    submitted_on: date
    service_point: PointRef | None
    assigned_on: date | None
    response_due: date | None
    overdue: bool
    response: str = Field(description="The answer shown to the requester.")
    answered_on: date | None
    rating: int | None
    rating_comment: str
    lead: str | None = Field(description="Tracking code of the protection lead, once handed over.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_requester(obj) -> int | None:
        return obj.requester_id

    @staticmethod
    def resolve_overdue(obj) -> bool:
        from ..requests import is_overdue

        return is_overdue(obj)

    @staticmethod
    def resolve_lead(obj) -> str | None:
        return obj.lead.tracking_code if obj.lead_id else None


class RequestDetailOut(RequestOut):
    events: list[RequestEventOut]
    attachments: list[RequestAttachmentOut]
    actions: list[str] = Field(description="What the caller may do on this request now.")

    @staticmethod
    def resolve_events(obj) -> list:
        return list(getattr(obj, "visible_events", ()))

    @staticmethod
    def resolve_attachments(obj) -> list:
        return list(getattr(obj, "visible_attachments", ()))

    @staticmethod
    def resolve_actions(obj) -> list[str]:
        return sorted(getattr(obj, "actions", ()))


class RequestIn(Schema):
    kind: ServiceKind
    subject: str = Field(max_length=_max("subject"))
    description: str = Field(max_length=DESCRIPTION_MAX)
    right_numbers: str = Field(default="", max_length=_max("right_numbers"))
    contact_name: str = Field(default="", max_length=_max("contact_name"))
    contact_phone: str = Field(default="", max_length=_max("contact_phone"))
    contact_email: str = Field(default="", max_length=254)
    preferred_point: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Institution id of the preferred point."
    )


class ActionIn(Schema):
    action: Literal[
        "assign", "start", "note", "answer", "decline", "rate", "withdraw", "close", "hand_over"
    ]
    point: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="assign: institution id of the service point."
    )
    text: str = Field(
        default="",
        max_length=TEXT_MAX,
        description="note/answer: the text; decline: the reason; close/withdraw: a note.",
    )
    public: bool = Field(default=False, description="note: shown to the requester.")
    rating: int | None = Field(default=None, ge=1, le=5, description="rate: 1-5.")
    agency: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="hand_over: organization id of the agency."
    )
    right_type: RightType | None = Field(default=None, description="hand_over: the right type.")


class RequestFilters(PageParams):
    q: str | None = Field(default=None, max_length=100)
    kind: list[ServiceKind] | None = None
    status: list[RequestStatus] | None = None
    service_point: int | None = Field(default=None, ge=1, le=MAX_ID)
    submitted_after: date | None = None
    submitted_before: date | None = None
    overdue: bool | None = Field(
        default=None, description="true: routed, not answered and past response_due."
    )
    rated: bool | None = None
    handed_over: bool | None = None


class RequestPage(Page[RequestOut]):
    pass

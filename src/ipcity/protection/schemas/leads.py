"""API shapes for leads."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.core.api.params import MAX_ID, ObjectId
from ipcity.orgs.schemas import OrganizationRef

from ..choices import LeadSource, LeadStatus, RightType
from ..leads import DESCRIPTION_MAX, TEXT_MAX
from ..models import Lead


def _max(name: str) -> int:
    return Lead._meta.get_field(name).max_length


STAFF_SOURCES = Literal["inspection", "referral", "other", "service_request"]


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str


class LeadOut(Schema):
    id: int
    tracking_code: str
    source: LeadSource
    status: LeadStatus
    agency: OrganizationRef | None
    referred_by: OrganizationRef | None
    source_reference: str
    received_on: date
    decision_due: date
    complainant_name: str
    complainant_uscc: str
    complainant_phone: str
    complainant_email: str
    respondent_name: str
    respondent_uscc: str
    respondent_address: str
    right_type: RightType
    right_numbers: str
    description: str
    decision_reason: str
    public_reply: str = Field(description="The reply shown on the public status page.")
    decided_at: datetime | None
    case: int | None = Field(description="Id of the case opened from the lead.")
    attachments: list[AttachmentOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_case(obj) -> int | None:
        case = getattr(obj, "case", None)
        return case.pk if case is not None else None

    @staticmethod
    def resolve_attachments(obj) -> list[dict]:
        return [
            {"id": a.pk, "name": a.name, "size": a.size, "content_type": a.content_type}
            for a in getattr(obj, "visible_attachments", ())
        ]


class LeadIn(Schema):
    source: STAFF_SOURCES
    source_reference: str = Field(default="", max_length=_max("source_reference"))
    received_on: date | None = Field(default=None, description="Default: today.")
    agency: ObjectId | None = Field(
        default=None, description="Organization id of the handling agency."
    )
    complainant_name: str = Field(max_length=_max("complainant_name"))
    complainant_uscc: str = Field(default="", max_length=_max("complainant_uscc"))
    complainant_phone: str = Field(default="", max_length=_max("complainant_phone"))
    complainant_email: str = Field(default="", max_length=_max("complainant_email"))
    respondent_name: str = Field(default="", max_length=_max("respondent_name"))
    respondent_uscc: str = Field(default="", max_length=_max("respondent_uscc"))
    respondent_address: str = Field(default="", max_length=_max("respondent_address"))
    right_type: RightType
    right_numbers: str = Field(default="", max_length=_max("right_numbers"))
    description: str = Field(max_length=DESCRIPTION_MAX)


class DecideIn(Schema):
    decision: Literal["open", "not_open"]
    reason: str = Field(
        default="", max_length=TEXT_MAX, description="Required for not_open; the note when opening."
    )
    public_reply: str = Field(
        default="",
        max_length=TEXT_MAX,
        description="The reply shown on the public status page; default: a standard sentence.",
    )
    title: str = Field(default="", max_length=300, description="Case title (open).")
    right_type: RightType | None = Field(
        default=None, description="Case right type (open); default: the lead's."
    )


class DecideOut(Schema):
    lead: LeadOut
    case: int | None = Field(description="Id of the case opened, if any.")


class RouteIn(Schema):
    agency: ObjectId = Field(description="Organization id of the agency.")
    note: str = Field(default="", max_length=100)


class LeadFilters(PageParams):
    q: str | None = Field(default=None, max_length=100)
    agency: int | None = Field(default=None, ge=1, le=MAX_ID)
    status: list[LeadStatus] | None = None
    source: list[LeadSource] | None = None
    right_type: list[RightType] | None = None
    received_after: date | None = None
    received_before: date | None = None
    overdue: bool | None = Field(
        default=None, description="true: still waiting for a decision and past decision_due."
    )


class LeadPage(Page[LeadOut]):
    pass

"""API shapes for enforcement agencies, officers and their trainings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.core.api.params import ObjectId
from ipcity.orgs.schemas import OrganizationRef

from ..choices import AgencyKind, OfficerStatus


class AgencyOut(Schema):
    id: int
    organization: OrganizationRef
    kind: AgencyKind
    is_joint_member: bool
    case_prefix: str
    accepts_public_leads: bool


class AgencyFilters(PageParams):
    q: str | None = Field(default=None, max_length=100, description="Name or case prefix.")
    kind: list[AgencyKind] | None = None
    is_joint_member: bool | None = None
    accepts_public_leads: bool | None = None


class AgencyPage(Page[AgencyOut]):
    pass


class AgencyCountsOut(AgencyOut):
    open_cases: int = Field(description="Open cases of the agency the caller may list.")
    certified_officers: int | None = Field(
        description=(
            "Officers certified today the caller sees; null without protection.view_officer."
        )
    )
    expiring_certificates: int | None = Field(
        description="Certificates expiring within the warning clock (officer_certificate_warning)."
    )


class OfficerOut(Schema):
    id: int
    organization: OrganizationRef
    name: str
    certificate_number: str
    issued_on: date | None
    valid_until: date
    training_hours: Decimal = Field(description="The sum of the officer's trainings.")
    status: OfficerStatus
    validity: str = Field(
        description="On today: valid, expiring (within the warning clock), expired, not_yet or "
        "inactive."
    )
    user: int | None = Field(description="The officer's user account id, if any.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_user(obj):
        return obj.user_id

    @staticmethod
    def resolve_validity(obj) -> str:
        from .. import officers

        return officers.validity(obj, officers.current_date())


class OfficerIn(Schema):
    organization: ObjectId = Field(description="The agency's organization id.")
    name: str = Field(max_length=100)
    certificate_number: str = Field(max_length=40)
    issued_on: date | None = None
    valid_until: date
    status: OfficerStatus = OfficerStatus.ACTIVE
    user: ObjectId | None = None


class OfficerPatch(Schema):
    """Only the fields sent are changed; training hours change through the trainings."""

    organization: ObjectId | None = None
    name: str | None = Field(default=None, max_length=100)
    certificate_number: str | None = Field(default=None, max_length=40)
    issued_on: date | None = None
    valid_until: date | None = None
    status: OfficerStatus | None = None
    user: ObjectId | None = None


class OfficerFilters(PageParams):
    q: str | None = Field(default=None, max_length=100, description="Name, number or agency.")
    organization: ObjectId | None = None
    status: list[OfficerStatus] | None = None
    certified_on: date | None = Field(default=None, description="Certified on this day.")
    certified: bool | None = Field(default=None, description="Certified today.")
    expiring_within: int | None = Field(
        default=None,
        ge=0,
        le=3650,
        description="Certified today and expiring within this many days.",
    )
    expired: bool | None = None


class OfficerPage(Page[OfficerOut]):
    pass


class TrainingOut(Schema):
    id: int
    officer: int
    course: str
    attended_on: date
    hours: Decimal

    @staticmethod
    def resolve_officer(obj) -> int:
        return obj.officer_id


class TrainingIn(Schema):
    course: str = Field(max_length=200)
    attended_on: date
    hours: Decimal = Field(gt=0, max_digits=5, decimal_places=1)

"""API shapes for GB/T 29490 certificates, their surveillance audits and the statistics."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.orgs.schemas import MAX_ID, OrganizationRef, RegionRef

from ..choices import AuditResult, CertificateStatus, StandardVersion


class CertificateOut(Schema):
    id: int
    organization: OrganizationRef
    street: RegionRef | None = Field(description="The enterprise's street or town.")
    standard_version: StandardVersion = Field(
        description="The edition held today; a converted certificate says 2023."
    )
    number: str
    body_name: str = Field(description="The certification body as named on the certificate.")
    body: OrganizationRef | None
    issue_date: date
    expiry_date: date
    status: CertificateStatus
    status_date: date | None
    converted_on: date | None = Field(
        description="When a 2013 certificate was converted to 2023 (its expiry is kept)."
    )
    valid_today: bool = Field(description="Valid today under the rules (see valid_q).")
    transition_overdue: bool = Field(
        description="Still valid under an edition whose transition has ended, not converted."
    )
    scope_text: str
    notes: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_street(obj):
        return obj.organization.region

    @staticmethod
    def resolve_valid_today(obj) -> bool:
        return bool(getattr(obj, "is_valid_today", False))

    @staticmethod
    def resolve_transition_overdue(obj) -> bool:
        return bool(getattr(obj, "is_transition_overdue", False))


class CertificateIn(Schema):
    organization: int = Field(ge=1, le=MAX_ID, description="The enterprise's organization id.")
    standard_version: StandardVersion
    number: str = Field(max_length=100)
    body_name: str = Field(max_length=200)
    body: int | None = Field(default=None, ge=1, le=MAX_ID)
    issue_date: date
    expiry_date: date | None = Field(
        default=None, description="Empty: the issue date plus the edition's validity (3 years)."
    )
    status: CertificateStatus = CertificateStatus.VALID
    status_date: date | None = None
    converted_on: date | None = None
    scope_text: str = Field(default="", max_length=5000)
    notes: str = Field(default="", max_length=5000)


class CertificatePatch(Schema):
    """Only the fields sent are changed; the status changes through /status/."""

    organization: int | None = Field(default=None, ge=1, le=MAX_ID)
    standard_version: StandardVersion | None = None
    number: str | None = Field(default=None, max_length=100)
    body_name: str | None = Field(default=None, max_length=200)
    body: int | None = Field(default=None, ge=1, le=MAX_ID)
    issue_date: date | None = None
    expiry_date: date | None = None
    converted_on: date | None = None
    scope_text: str | None = Field(default=None, max_length=5000)
    notes: str | None = Field(default=None, max_length=5000)


class StatusActionKey(StrEnum):
    SUSPEND = "suspend"
    WITHDRAW = "withdraw"
    REINSTATE = "reinstate"
    EXPIRE = "expire"


class StatusIn(Schema):
    action: StatusActionKey
    on: date = Field(description="The day the change took effect.")
    note: str = Field(default="", max_length=90)


class CertificateFilters(PageParams):
    q: str | None = Field(
        default=None, max_length=100, description="Number, enterprise, credit code or body."
    )
    standard_version: list[StandardVersion] | None = Field(
        default=None,
        description="With valid_on or valid_at_end_of: the edition held on that day.",
    )
    status: list[CertificateStatus] | None = None
    issue_year: int | None = Field(default=None, ge=1990, le=2100)
    valid_at_end_of: int | None = Field(
        default=None, ge=1990, le=2100, description="Valid on 31 December of this year."
    )
    valid_on: date | None = Field(default=None, description="Valid on this day.")
    street: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Region id of the enterprise."
    )
    organization: int | None = Field(default=None, ge=1, le=MAX_ID)
    transition_overdue: bool | None = None
    expiring_within: int | None = Field(
        default=None, ge=0, le=3650, description="Valid today and expiring within this many days."
    )


class CertificatePage(Page[CertificateOut]):
    pass


class AuditOut(Schema):
    id: int
    certificate: int = Field(description="Certificate id.")
    due_date: date
    done_date: date | None
    result: AuditResult
    converts_to_2023: bool
    is_scheduled: bool = Field(
        description="Planned from the certificate's dates (moved when they change); false for "
        "an audit added by hand, such as a special audit."
    )
    notes: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_certificate(obj) -> int:
        return obj.certificate_id


class AuditIn(Schema):
    due_date: date
    done_date: date | None = None
    result: AuditResult = AuditResult.PLANNED
    converts_to_2023: bool = Field(
        default=False,
        description="A passed audit of a 2013 certificate converts it to 2023 (expiry kept).",
    )
    notes: str = Field(default="", max_length=5000)


class AuditPatch(Schema):
    due_date: date | None = None
    done_date: date | None = None
    result: AuditResult | None = None
    converts_to_2023: bool | None = None
    notes: str | None = Field(default=None, max_length=5000)


class EditionCount(Schema):
    version: StandardVersion
    count: int


class YearStat(Schema):
    year: int
    day: date = Field(description="31 December, or today for the year under way.")
    issued: int = Field(description="Issued in the year (list: issue_year).")
    valid: int = Field(
        description="Valid on `day` (list: valid_at_end_of, or valid_on for the year under way)."
    )
    by_edition: list[EditionCount] = Field(
        description="Valid on 31 December by the edition held that day."
    )


class StreetStat(Schema):
    street: RegionRef | None = Field(description="Null for enterprises without a street.")
    valid: int = Field(description="Valid today.")
    by_edition: list[EditionCount]
    transition_overdue: int


class CertificateStatsOut(Schema):
    on: date
    valid: int
    transition_overdue: int
    years: list[YearStat]
    streets: list[StreetStat]

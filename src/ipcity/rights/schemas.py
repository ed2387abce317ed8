"""API shapes for the registry: patents (read and write), other rights (read)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.orgs.schemas import MAX_ID, OrganizationRef, RegionRef

from .choices import (
    Attribution,
    AttributionSignal,
    CopyrightKind,
    GIKind,
    GIStage,
    PatentStatus,
    PatentType,
    PlantVarietyStatus,
    TrademarkStatus,
)
from .models.patents import holders_of

MAX_INT = 2**31 - 1


class HolderOut(Schema):
    id: int = Field(description="Organization id.")
    name: str
    position: int
    name_as_recorded: str


class PatentOut(Schema):
    id: int
    application_number: str = Field(description="Normalized, e.g. 201710117081.7.")
    number_check_ok: bool = Field(
        description="False when the check character does not match; the number is still kept."
    )
    patent_type: PatentType
    is_pct: bool
    filing_date: date | None
    publication_number: str
    publication_date: date | None
    grant_date: date | None
    title: str
    abstract: str
    main_ipc: str
    ipc_codes: str
    inventors: str
    holder_names: str
    holders: list[HolderOut]
    address: str
    region: RegionRef | None
    legal_status: PatentStatus
    lapse_date: date | None
    family_countries: str
    overseas_granted_family: bool
    citations: int
    cited_by: int
    awards: str
    pledge_amount: float | None = Field(description="10k yuan.")
    attribution: Attribution
    attribution_signal: AttributionSignal
    attribution_detail: str
    is_high_value: bool
    high_value_criteria: list[str]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_holders(obj) -> list[dict]:
        return [
            {
                "id": link.organization_id,
                "name": link.organization.name,
                "position": link.position,
                "name_as_recorded": link.name_as_recorded,
            }
            for link in holders_of(obj)
        ]

    @staticmethod
    def resolve_pledge_amount(obj) -> float | None:
        return None if obj.pledge_amount is None else float(obj.pledge_amount)

    @staticmethod
    def resolve_high_value_criteria(obj) -> list[str]:
        return [str(c) for c in obj.high_value_criteria or []]


OrgId = Annotated[int, Field(ge=1, le=MAX_ID)]


class PatentIn(Schema):
    application_number: str = Field(
        max_length=30, description="Either era, with or without the dot, ZL or CN prefix."
    )
    patent_type: PatentType | None = Field(
        default=None, description="Read from the application number when omitted."
    )
    is_pct: bool = False
    title: str = Field(max_length=500)
    filing_date: date | None = None
    publication_number: str = Field(default="", max_length=20)
    publication_date: date | None = None
    grant_date: date | None = None
    legal_status: PatentStatus = PatentStatus.UNKNOWN
    lapse_date: date | None = None
    main_ipc: str = Field(default="", max_length=32)
    ipc_codes: str = Field(default="", max_length=5000)
    inventors: str = Field(default="", max_length=5000)
    holder_names: str = Field(default="", max_length=5000)
    holders: list[OrgId] = Field(
        default_factory=list,
        max_length=50,
        description="Organization ids of the holders, in the register's order.",
    )
    address: str = Field(default="", max_length=300)
    region: int | None = Field(default=None, ge=1, le=MAX_ID, description="Region id.")
    abstract: str = Field(default="", max_length=20000)
    family_countries: str = Field(default="", max_length=300)
    overseas_granted_family: bool = False
    citations: int = Field(default=0, ge=0, le=MAX_INT)
    cited_by: int = Field(default=0, ge=0, le=MAX_INT)
    awards: str = Field(default="", max_length=300)
    pledge_amount: float | None = Field(default=None, ge=0, le=1e11, description="10k yuan.")
    attribution: Attribution = Attribution.UNRESOLVED
    attribution_detail: str = Field(default="", max_length=300)


class PatentPatch(Schema):
    """Only the fields sent are changed; `holders`, when sent, replaces the list."""

    application_number: str | None = Field(default=None, max_length=30)
    patent_type: PatentType | None = None
    is_pct: bool | None = None
    title: str | None = Field(default=None, max_length=500)
    filing_date: date | None = None
    publication_number: str | None = Field(default=None, max_length=20)
    publication_date: date | None = None
    grant_date: date | None = None
    legal_status: PatentStatus | None = None
    lapse_date: date | None = None
    main_ipc: str | None = Field(default=None, max_length=32)
    ipc_codes: str | None = Field(default=None, max_length=5000)
    inventors: str | None = Field(default=None, max_length=5000)
    holder_names: str | None = Field(default=None, max_length=5000)
    holders: list[OrgId] | None = Field(default=None, max_length=50)
    address: str | None = Field(default=None, max_length=300)
    region: int | None = Field(default=None, ge=1, le=MAX_ID)
    abstract: str | None = Field(default=None, max_length=20000)
    family_countries: str | None = Field(default=None, max_length=300)
    overseas_granted_family: bool | None = None
    citations: int | None = Field(default=None, ge=0, le=MAX_INT)
    cited_by: int | None = Field(default=None, ge=0, le=MAX_INT)
    awards: str | None = Field(default=None, max_length=300)
    pledge_amount: float | None = Field(default=None, ge=0, le=1e11)
    attribution: Attribution | None = None
    attribution_detail: str | None = Field(default=None, max_length=300)


class PatentFilters(PageParams):
    q: str | None = Field(
        default=None,
        max_length=100,
        description="Words of the title, abstract, holders, inventors, numbers or IPC; all must "
        "match (Chinese is segmented into words).",
    )
    patent_type: list[PatentType] | None = None
    legal_status: list[PatentStatus] | None = None
    year: int | None = Field(default=None, ge=1985, le=2100, description="Filing year.")
    ipc: str | None = Field(default=None, max_length=32, description="IPC prefix, e.g. G06N.")
    region: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Region id; includes its streets and towns."
    )
    high_value: bool | None = None
    attribution: list[Attribution] | None = None
    holder: int | None = Field(default=None, ge=1, le=MAX_ID, description="Organization id.")


class PatentPage(Page[PatentOut]):
    pass


class TrademarkOut(Schema):
    id: int
    registration_number: str
    mark: str
    nice_classes: str = Field(description="Nice classes 1-45, separated by ';'.")
    holder: OrganizationRef | None
    status: TrademarkStatus
    application_date: date | None
    registration_date: date | None
    expiry_date: date | None
    is_well_known: bool
    is_madrid: bool
    region: RegionRef | None
    attribution: Attribution
    created_at: datetime
    updated_at: datetime


class TrademarkFilters(PageParams):
    q: str | None = Field(default=None, max_length=100, description="Mark, number or holder.")
    status: list[TrademarkStatus] | None = None
    nice_class: int | None = Field(default=None, ge=1, le=45)
    well_known: bool | None = None
    madrid: bool | None = None
    region: int | None = Field(default=None, ge=1, le=MAX_ID)
    attribution: list[Attribution] | None = None
    holder: int | None = Field(default=None, ge=1, le=MAX_ID)


class TrademarkPage(Page[TrademarkOut]):
    pass


class GeographicalIndicationOut(Schema):
    id: int
    name: str
    kind: GIKind
    product: str
    area: str
    applicant: OrganizationRef | None
    stage: GIStage
    registration_number: str
    filed_date: date | None
    registered_date: date | None
    notes: str
    created_at: datetime
    updated_at: datetime


class GeographicalIndicationFilters(PageParams):
    q: str | None = Field(default=None, max_length=100)
    kind: list[GIKind] | None = None
    stage: list[GIStage] | None = None
    holder: int | None = Field(default=None, ge=1, le=MAX_ID, description="Applicant id.")


class GeographicalIndicationPage(Page[GeographicalIndicationOut]):
    pass


class PlantVarietyRightOut(Schema):
    id: int
    right_number: str
    variety: str
    species: str
    holder: OrganizationRef | None
    application_date: date | None
    grant_date: date | None
    status: PlantVarietyStatus
    created_at: datetime
    updated_at: datetime


class PlantVarietyRightFilters(PageParams):
    q: str | None = Field(default=None, max_length=100)
    status: list[PlantVarietyStatus] | None = None
    species: str | None = Field(default=None, max_length=100)
    holder: int | None = Field(default=None, ge=1, le=MAX_ID)


class PlantVarietyRightPage(Page[PlantVarietyRightOut]):
    pass


class CopyrightOut(Schema):
    id: int
    kind: CopyrightKind
    registration_number: str
    certificate_number: str
    title: str
    category: str
    holder: OrganizationRef | None
    completion_date: date | None
    registration_date: date | None
    created_at: datetime
    updated_at: datetime


class CopyrightFilters(PageParams):
    q: str | None = Field(default=None, max_length=100)
    kind: list[CopyrightKind] | None = None
    year: int | None = Field(default=None, ge=1900, le=2100, description="Registration year.")
    holder: int | None = Field(default=None, ge=1, le=MAX_ID)


class CopyrightPage(Page[CopyrightOut]):
    pass

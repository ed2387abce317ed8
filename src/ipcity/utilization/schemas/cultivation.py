"""API shapes of enterprise cultivation: designations, the pool, support, criteria, facts.

Money is in 10k yuan (万元). A blank level (`""`) means "any level" on criteria and pool entries.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from django.utils import timezone
from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.orgs.schemas import MAX_ID, OrganizationRef

from ..choices import (
    Comparison,
    CriterionMetric,
    DesignationKind,
    DesignationLevel,
    PoolStage,
    SupportKind,
)
from ..criteria import designation_end, designation_is_current

MAX_INT = 2**31 - 1
MAX_AMOUNT = 1e11
OrgId = Annotated[int, Field(ge=1, le=MAX_ID, description="Organization id.")]
Year = Annotated[int, Field(ge=1980, le=2100)]


def _float(value):
    return None if value is None else float(value)


# -- designations --------------------------------------------------------------------------------


class DesignationRef(Schema):
    id: int
    kind: DesignationKind
    level: DesignationLevel
    year: int


class DesignationOut(Schema):
    id: int
    organization: OrganizationRef
    kind: DesignationKind
    level: DesignationLevel
    year: int
    valid_from: date | None
    valid_until: date | None
    valid_through: date | None = Field(
        description="The last day in force: valid_until, else the kind's default term; null "
        "when unknown (then the designation is never in force)."
    )
    is_current: bool = Field(description="In force today (see valid_through).")
    certificate_number: str
    source_document: str
    notes: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_valid_through(obj) -> date | None:
        return designation_end(obj)

    @staticmethod
    def resolve_is_current(obj) -> bool:
        return designation_is_current(obj, timezone.localdate())


class DesignationIn(Schema):
    organization: OrgId
    kind: DesignationKind
    level: DesignationLevel
    year: Year
    valid_from: date | None = None
    valid_until: date | None = None
    certificate_number: str = Field(default="", max_length=100)
    source_document: str = Field(default="", max_length=300)
    notes: str = Field(default="", max_length=5000)


class DesignationPatch(Schema):
    """Only the fields sent are changed."""

    organization: OrgId | None = None
    kind: DesignationKind | None = None
    level: DesignationLevel | None = None
    year: Year | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    certificate_number: str | None = Field(default=None, max_length=100)
    source_document: str | None = Field(default=None, max_length=300)
    notes: str | None = Field(default=None, max_length=5000)


class DesignationFilters(PageParams):
    q: str | None = Field(
        default=None, max_length=100, description="Enterprise name or credit code, certificate."
    )
    kind: list[DesignationKind] | None = None
    level: list[DesignationLevel] | None = None
    year: int | None = Field(default=None, ge=1980, le=2100, description="Year designated.")
    street: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Region id of the enterprise's street or town."
    )
    organization: int | None = Field(default=None, ge=1, le=MAX_ID, description="Enterprise id.")
    current: bool | None = Field(default=None, description="Valid today (or not).")


class DesignationPage(Page[DesignationOut]):
    pass


# -- criteria ------------------------------------------------------------------------------------


class CriterionOut(Schema):
    id: int
    code: str
    name: str
    target_kind: DesignationKind
    target_level: str = Field(description="A level, or empty for every level.")
    metric: CriterionMetric
    comparison: Comparison
    threshold: float | None
    parameter: str
    is_required: bool
    order: int
    is_active: bool
    source: str

    @staticmethod
    def resolve_threshold(obj):
        return _float(obj.threshold)


class CriterionFilters(PageParams):
    target_kind: list[DesignationKind] | None = None
    target_level: DesignationLevel | None = None
    metric: list[CriterionMetric] | None = None
    is_active: bool | None = None


class CriterionPage(Page[CriterionOut]):
    pass


# -- the pool ------------------------------------------------------------------------------------


class EvaluationItemOut(Schema):
    code: str
    name: str
    metric: str
    comparison: str
    threshold: float | None
    required: bool
    met: bool
    value: bool | int | float | None = Field(
        description="What was found; null when the data is missing."
    )
    detail: str = Field(default="", description="Where the value came from (year, number).")
    ref: int | None = Field(default=None, description="Id of the record the value came from.")


class PoolEntryOut(Schema):
    id: int
    organization: OrganizationRef
    target_kind: DesignationKind
    target_level: str = Field(description="A level, or empty when any level is aimed at.")
    stage: PoolStage
    year: int
    criteria_met: int
    criteria_total: int
    meets_all: bool = Field(description="Every required criterion met at the last evaluation.")
    evaluation: list[EvaluationItemOut]
    evaluated_at: datetime | None
    designation: DesignationRef | None
    notes: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_evaluation(obj) -> list[dict]:
        keys = EvaluationItemOut.model_fields
        return [{k: item.get(k) for k in keys if k in item} for item in obj.evaluation or []]


class PoolEntryIn(Schema):
    organization: OrgId
    target_kind: DesignationKind
    target_level: DesignationLevel | None = Field(
        default=None, description="Omit to aim at no particular level."
    )
    year: Year | None = Field(default=None, description="Year entered; this year when omitted.")
    notes: str = Field(default="", max_length=5000)


class PoolMoveIn(Schema):
    stage: PoolStage
    level: DesignationLevel | None = Field(
        default=None, description="Level obtained, when moving to designated without a level."
    )
    year: Year | None = Field(default=None, description="Year designated; this year by default.")
    valid_from: date | None = None
    valid_until: date | None = None
    certificate_number: str = Field(default="", max_length=100)
    source_document: str = Field(default="", max_length=300)
    designation: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Link this existing designation instead."
    )


class PoolEntryFilters(PageParams):
    q: str | None = Field(default=None, max_length=100, description="Enterprise name or USCC.")
    target_kind: list[DesignationKind] | None = None
    target_level: DesignationLevel | None = None
    stage: list[PoolStage] | None = None
    meets_all: bool | None = None
    year: int | None = Field(default=None, ge=1980, le=2100, description="Year entered.")
    street: int | None = Field(default=None, ge=1, le=MAX_ID)
    organization: int | None = Field(default=None, ge=1, le=MAX_ID)


class PoolEntryPage(Page[PoolEntryOut]):
    pass


# -- support -------------------------------------------------------------------------------------


class SupportRecordOut(Schema):
    id: int
    organization: OrganizationRef
    kind: SupportKind
    date: date
    amount: float | None = Field(description="10k yuan.")
    title: str
    description: str
    provider: OrganizationRef | None
    pool_entry: int | None = Field(description="Pool entry id.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_amount(obj):
        return _float(obj.amount)

    @staticmethod
    def resolve_pool_entry(obj):
        return obj.pool_entry_id


class SupportRecordIn(Schema):
    organization: OrgId
    kind: SupportKind
    date: date
    amount: float | None = Field(default=None, ge=0, le=MAX_AMOUNT, description="10k yuan.")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    provider: OrgId | None = None
    pool_entry: int | None = Field(default=None, ge=1, le=MAX_ID)


class SupportRecordFilters(PageParams):
    q: str | None = Field(default=None, max_length=100)
    kind: list[SupportKind] | None = None
    year: int | None = Field(default=None, ge=1980, le=2100)
    street: int | None = Field(default=None, ge=1, le=MAX_ID)
    organization: int | None = Field(default=None, ge=1, le=MAX_ID)


class SupportRecordPage(Page[SupportRecordOut]):
    pass


# -- enterprise facts ----------------------------------------------------------------------------


class EnterpriseFactsOut(Schema):
    id: int
    organization: OrganizationRef
    year: int
    employees: int | None
    rd_staff: int | None
    revenue: float | None = Field(description="10k yuan.")
    rd_expense: float | None = Field(description="10k yuan.")
    source: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_revenue(obj):
        return _float(obj.revenue)

    @staticmethod
    def resolve_rd_expense(obj):
        return _float(obj.rd_expense)


class EnterpriseFactsIn(Schema):
    organization: OrgId
    year: Year
    employees: int | None = Field(default=None, ge=0, le=MAX_INT)
    rd_staff: int | None = Field(default=None, ge=0, le=MAX_INT)
    revenue: float | None = Field(default=None, ge=0, le=MAX_AMOUNT, description="10k yuan.")
    rd_expense: float | None = Field(default=None, ge=0, le=MAX_AMOUNT, description="10k yuan.")
    source: str = Field(default="", max_length=200)


class EnterpriseFactsFilters(PageParams):
    q: str | None = Field(default=None, max_length=100)
    year: int | None = Field(default=None, ge=1980, le=2100)
    street: int | None = Field(default=None, ge=1, le=MAX_ID)
    organization: int | None = Field(default=None, ge=1, le=MAX_ID)


class EnterpriseFactsPage(Page[EnterpriseFactsOut]):
    pass

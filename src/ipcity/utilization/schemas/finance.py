"""API shapes of IP finance: products, valuations, pledges, insurance, guarantees, risk alerts.

Parties are written as a credit code, an exact name or an organization id (as text), rights as
patent application numbers and trademark registration numbers, like the pages and the import.
Amounts are in 10k yuan.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.orgs.schemas import MAX_ID, OrganizationRef

from ..choices import (
    InsuranceKind,
    PledgeStatus,
    ProductKind,
    RiskKind,
    RiskStatus,
    ValuationMethod,
)

MAX_AMOUNT = 1e11
Party = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        description="Unified social credit code, exact name or id of an organization.",
    ),
]
Numbers = Annotated[list[Annotated[str, Field(max_length=30)]], Field(max_length=500)]
Amount = Annotated[float, Field(gt=0, le=MAX_AMOUNT, description="10k yuan.")]
OptionalAmount = Annotated[float | None, Field(default=None, ge=0, le=MAX_AMOUNT)]
Text = Annotated[str, Field(max_length=2000)]
Year = Annotated[int | None, Field(default=None, ge=1985, le=2100)]
OrgId = Annotated[int | None, Field(default=None, ge=1, le=MAX_ID, description="Organization id.")]


def _num(value):
    return None if value is None else float(value)


class PatentRef(Schema):
    id: int
    application_number: str
    title: str


class TrademarkRef(Schema):
    id: int
    registration_number: str
    mark: str


class ProductRef(Schema):
    id: int
    name: str


# --- products ----------------------------------------------------------------------------------


class ProductOut(Schema):
    id: int
    institution: OrganizationRef
    name: str
    kind: ProductKind
    description: str
    rate: str
    max_amount: float | None = Field(description="10k yuan.")
    term_months: int | None
    contact: str
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_max_amount(obj):
        return _num(obj.max_amount)


class ProductIn(Schema):
    institution: Party | None = Field(
        default=None, description="Defaults to the caller's own organization."
    )
    name: str = Field(min_length=1, max_length=200)
    kind: ProductKind
    description: str = Field(default="", max_length=5000)
    rate: str = Field(default="", max_length=100)
    max_amount: OptionalAmount = None
    term_months: int | None = Field(default=None, ge=0, le=32767)
    contact: str = Field(default="", max_length=200)
    is_active: bool = True


class ProductPatch(Schema):
    institution: Party | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: ProductKind | None = None
    description: str | None = Field(default=None, max_length=5000)
    rate: str | None = Field(default=None, max_length=100)
    max_amount: OptionalAmount = None
    term_months: int | None = Field(default=None, ge=0, le=32767)
    contact: str | None = Field(default=None, max_length=200)
    is_active: bool | None = None


class ProductFilters(PageParams):
    q: str | None = Field(default=None, max_length=100)
    kind: list[ProductKind] | None = None
    institution: OrgId = None
    active: bool | None = None


class ProductPage(Page[ProductOut]):
    pass


# --- valuations --------------------------------------------------------------------------------


class ValuationOut(Schema):
    id: int
    owner: OrganizationRef
    patents: list[PatentRef]
    trademarks: list[TrademarkRef]
    method: ValuationMethod
    value: float = Field(description="10k yuan.")
    date: dt.date
    appraiser: OrganizationRef | None
    appraiser_name: str
    commissioned_by: OrganizationRef | None
    report_number: str
    purpose: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_value(obj):
        return _num(obj.value)

    @staticmethod
    def resolve_patents(obj):
        return list(obj.patents.all())

    @staticmethod
    def resolve_trademarks(obj):
        return list(obj.trademarks.all())


class ValuationIn(Schema):
    owner: Party
    patents: Numbers = Field(default_factory=list)
    trademarks: Numbers = Field(default_factory=list)
    method: ValuationMethod
    value: Amount
    date: dt.date
    appraiser: Party | None = None
    appraiser_name: str = Field(default="", max_length=200)
    commissioned_by: Party | None = None
    report_number: str = Field(default="", max_length=100)
    purpose: str = Field(default="", max_length=200)


class ValuationPatch(Schema):
    owner: Party | None = None
    patents: Numbers | None = None
    trademarks: Numbers | None = None
    method: ValuationMethod | None = None
    value: Amount | None = None
    date: dt.date | None = None
    appraiser: Party | None = None
    appraiser_name: str | None = Field(default=None, max_length=200)
    commissioned_by: Party | None = None
    report_number: str | None = Field(default=None, max_length=100)
    purpose: str | None = Field(default=None, max_length=200)


class ValuationFilters(PageParams):
    year: Year = None
    method: list[ValuationMethod] | None = None
    owner: OrgId = None


class ValuationPage(Page[ValuationOut]):
    pass


# --- pledges -----------------------------------------------------------------------------------


class PledgeOut(Schema):
    id: int
    pledgor: OrganizationRef
    pledgee: OrganizationRef
    patents: list[PatentRef]
    trademarks: list[TrademarkRef]
    amount: float = Field(description="Secured amount, 10k yuan.")
    is_inclusive: bool = Field(description="Inclusive (普惠) lending: at most 1,000 (10k yuan).")
    debt_kind: str
    contract_number: str
    term_start: dt.date | None
    term_end: dt.date | None
    registration_number: str
    registration_date: dt.date
    status: PledgeStatus
    release_date: dt.date | None
    product: ProductRef | None
    valuation: int | None = Field(description="Valuation id.")
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_amount(obj):
        return _num(obj.amount)

    @staticmethod
    def resolve_valuation(obj):
        return obj.valuation_id

    @staticmethod
    def resolve_patents(obj):
        return list(obj.patents.all())

    @staticmethod
    def resolve_trademarks(obj):
        return list(obj.trademarks.all())


class PledgeIn(Schema):
    pledgor: Party
    pledgee: Party | None = Field(
        default=None, description="Defaults to the caller's own organization (the bank)."
    )
    patents: Numbers = Field(default_factory=list, description="Application numbers.")
    trademarks: Numbers = Field(default_factory=list, description="Registration numbers.")
    amount: Amount
    debt_kind: str = Field(default="", max_length=100)
    contract_number: str = Field(default="", max_length=100)
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    registration_number: str = Field(default="", max_length=100)
    registration_date: dt.date
    product: int | None = Field(default=None, ge=1, le=MAX_ID, description="Product id.")
    valuation: int | None = Field(default=None, ge=1, le=MAX_ID, description="Valuation id.")
    notes: str = Field(default="", max_length=5000)


class PledgePatch(Schema):
    pledgor: Party | None = None
    pledgee: Party | None = None
    patents: Numbers | None = None
    trademarks: Numbers | None = None
    amount: Amount | None = None
    debt_kind: str | None = Field(default=None, max_length=100)
    contract_number: str | None = Field(default=None, max_length=100)
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    registration_number: str | None = Field(default=None, max_length=100)
    registration_date: dt.date | None = None
    product: int | None = Field(default=None, ge=1, le=MAX_ID)
    valuation: int | None = Field(default=None, ge=1, le=MAX_ID)
    notes: str | None = Field(default=None, max_length=5000)


class PledgeChangeIn(PledgePatch):
    note: Text = Field(default="", description="What the change registration changed.")


class ReleaseIn(Schema):
    release_date: dt.date
    note: Text = ""


class NoteIn(Schema):
    note: Text = ""


class PledgeFilters(PageParams):
    q: str | None = Field(default=None, max_length=100)
    registration_year: Year = None
    status: list[PledgeStatus] | None = None
    pledgor: OrgId = None
    pledgee: OrgId = None
    street: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Region id of the pledgor's street or town."
    )
    patent: str | None = Field(default=None, max_length=30, description="Application number.")
    inclusive: bool | None = Field(default=None, description="Amount at most 1,000 (10k yuan).")


class PledgePage(Page[PledgeOut]):
    pass


# --- insurance and guarantees ------------------------------------------------------------------


class InsuranceOut(Schema):
    id: int
    policy_number: str
    insured: OrganizationRef
    insurer: OrganizationRef
    kind: InsuranceKind
    product: ProductRef | None
    patents: list[PatentRef]
    insured_amount: float = Field(description="10k yuan.")
    premium: float | None
    subsidy: float | None
    start_date: dt.date
    end_date: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_insured_amount(obj):
        return _num(obj.insured_amount)

    @staticmethod
    def resolve_premium(obj):
        return _num(obj.premium)

    @staticmethod
    def resolve_subsidy(obj):
        return _num(obj.subsidy)

    @staticmethod
    def resolve_patents(obj):
        return list(obj.patents.all())


class InsuranceIn(Schema):
    policy_number: str = Field(min_length=1, max_length=100)
    insured: Party
    insurer: Party | None = Field(default=None, description="Defaults to the caller's own.")
    kind: InsuranceKind
    product: int | None = Field(default=None, ge=1, le=MAX_ID)
    patents: Numbers = Field(default_factory=list)
    insured_amount: Amount
    premium: OptionalAmount = None
    subsidy: OptionalAmount = None
    start_date: dt.date
    end_date: dt.date | None = None


class InsurancePatch(Schema):
    policy_number: str | None = Field(default=None, min_length=1, max_length=100)
    insured: Party | None = None
    insurer: Party | None = None
    kind: InsuranceKind | None = None
    product: int | None = Field(default=None, ge=1, le=MAX_ID)
    patents: Numbers | None = None
    insured_amount: Amount | None = None
    premium: OptionalAmount = None
    subsidy: OptionalAmount = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class InsuranceFilters(PageParams):
    q: str | None = Field(default=None, max_length=100, description="Policy number.")
    start_year: Year = None
    kind: list[InsuranceKind] | None = None
    insurer: OrgId = None
    insured: OrgId = None


class InsurancePage(Page[InsuranceOut]):
    pass


class GuaranteeOut(Schema):
    id: int
    contract_number: str
    guarantor: OrganizationRef
    borrower: OrganizationRef
    lender: OrganizationRef | None
    pledge: int | None = Field(
        description="Pledge id; null when there is none or the caller may not see it."
    )
    amount: float = Field(description="10k yuan.")
    fee_rate: float | None = Field(description="%")
    start_date: dt.date
    end_date: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_amount(obj):
        return _num(obj.amount)

    @staticmethod
    def resolve_fee_rate(obj):
        return _num(obj.fee_rate)

    @staticmethod
    def resolve_pledge(obj):
        # Annotated by the endpoints (models.finance.with_pledge_visibility).
        return obj.pledge_id if getattr(obj, "pledge_visible", False) else None


class GuaranteeIn(Schema):
    contract_number: str = Field(default="", max_length=100)
    guarantor: Party | None = Field(default=None, description="Defaults to the caller's own.")
    borrower: Party
    lender: Party | None = None
    pledge: str | None = Field(
        default=None, max_length=100, description="Registration number (or id) of the pledge."
    )
    amount: Amount
    fee_rate: float | None = Field(default=None, ge=0, le=100)
    start_date: dt.date
    end_date: dt.date | None = None


class GuaranteePatch(Schema):
    contract_number: str | None = Field(default=None, max_length=100)
    guarantor: Party | None = None
    borrower: Party | None = None
    lender: Party | None = None
    pledge: str | None = Field(default=None, max_length=100)
    amount: Amount | None = None
    fee_rate: float | None = Field(default=None, ge=0, le=100)
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class GuaranteeFilters(PageParams):
    start_year: Year = None
    guarantor: OrgId = None
    borrower: OrgId = None
    lender: OrgId = None


class GuaranteePage(Page[GuaranteeOut]):
    pass


# --- risk alerts -------------------------------------------------------------------------------


class RiskAlertOut(Schema):
    id: int
    pledge: int = Field(description="Pledge id.")
    pledge_registration_number: str
    pledgor: OrganizationRef
    pledgee: OrganizationRef
    patent: PatentRef | None
    trademark: TrademarkRef | None
    kind: RiskKind
    detected_on: dt.date
    event_date: dt.date | None
    detail: str
    status: RiskStatus
    handled_note: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_pledge(obj):
        return obj.pledge_id

    @staticmethod
    def resolve_pledge_registration_number(obj):
        return obj.pledge.registration_number

    @staticmethod
    def resolve_pledgor(obj):
        return obj.pledge.pledgor

    @staticmethod
    def resolve_pledgee(obj):
        return obj.pledge.pledgee


class RiskAlertFilters(PageParams):
    kind: list[RiskKind] | None = None
    status: list[RiskStatus] | None = None
    pledge: int | None = Field(default=None, ge=1, le=MAX_ID, description="Pledge id.")


class RiskAlertPage(Page[RiskAlertOut]):
    pass


class ResolveIn(Schema):
    note: str = Field(min_length=1, max_length=2000, description="How the risk was handled.")

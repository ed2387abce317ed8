"""API shapes for applications, their items and documents."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.core.api.params import MAX_ID
from ipcity.orgs.schemas import OrganizationRef

from ..choices import ApplicationStatus


class CheckOut(Schema):
    code: str
    ok: bool
    message: str


class ItemOut(Schema):
    id: int
    rule: int
    rule_label: str
    reference: str
    claimed_base: Decimal | None
    eligible: bool
    computed_amount: Decimal
    approved_amount: Decimal | None
    reward_key: str
    checks: list[CheckOut]
    checked_at: datetime | None

    @staticmethod
    def resolve_checks(obj) -> list[dict]:
        from ..eligibility import shown

        return shown(obj.checks)

    @staticmethod
    def resolve_rule(obj) -> int:
        return obj.rule_id

    @staticmethod
    def resolve_rule_label(obj) -> str:
        return str(obj.rule)


class MaterialOut(Schema):
    id: int
    title: str
    name: str
    size: int
    content_type: str


class ProgramRef(Schema):
    id: int
    code: str
    name: str
    year: int


class ApplicationOut(Schema):
    id: int
    number: str
    program: ProgramRef
    applicant: OrganizationRef
    status: ApplicationStatus
    contact_name: str
    contact_phone: str
    bank_name: str
    bank_account: str
    statement: str
    requested_amount: Decimal
    approved_amount: Decimal | None
    paid_amount: Decimal
    submitted_at: datetime | None
    decided_at: datetime | None
    return_reason: str
    created_at: datetime
    updated_at: datetime


class ApplicationDetailOut(ApplicationOut):
    items: list[ItemOut]
    materials: list[MaterialOut]

    @staticmethod
    def resolve_items(obj) -> list:
        return list(obj.items.select_related("rule").order_by("pk"))

    @staticmethod
    def resolve_materials(obj) -> list:
        return list(getattr(obj, "visible_materials", ()))


class ApplicationIn(Schema):
    program: int = Field(ge=1, le=MAX_ID)
    applicant: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Default: the caller's organization."
    )
    contact_name: str = Field(max_length=100, min_length=1)
    contact_phone: str = Field(max_length=40, min_length=1)
    bank_name: str = Field(default="", max_length=200)
    bank_account: str = Field(default="", max_length=40)
    statement: str = Field(default="", max_length=10000)


class ApplicationUpdateIn(Schema):
    contact_name: str | None = Field(default=None, max_length=100, min_length=1)
    contact_phone: str | None = Field(default=None, max_length=40, min_length=1)
    bank_name: str | None = Field(default=None, max_length=200)
    bank_account: str | None = Field(default=None, max_length=40)
    statement: str | None = Field(default=None, max_length=10000)


class ItemIn(Schema):
    rule: int = Field(ge=1, le=MAX_ID)
    reference: str = Field(min_length=1, max_length=100)
    claimed_base: Decimal | None = Field(default=None, gt=0, max_digits=14, decimal_places=2)


class ApplicationFilters(PageParams):
    q: str | None = Field(default=None, max_length=100)
    program: int | None = Field(default=None, ge=1, le=MAX_ID)
    status: list[ApplicationStatus] | None = None
    applicant: int | None = Field(default=None, ge=1, le=MAX_ID)
    year: int | None = Field(default=None, ge=2000, le=2100)


class ApplicationPage(Page[ApplicationOut]):
    pass

"""API shapes for programmes and their rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.core.api.params import MAX_ID
from ipcity.orgs.schemas import OrganizationRef

from ..choices import ProgramStatus, RuleKind


class ProgramRuleOut(Schema):
    id: int
    kind: RuleKind
    label: str
    amount: Decimal | None
    rate_percent: Decimal | None
    cap_per_item: Decimal | None
    cap_per_applicant: Decimal | None
    max_items_per_applicant: int | None
    date_from: date | None
    date_to: date | None
    in_district_required: bool
    params: dict
    text: str = Field(description="The rule in plain words.")

    @staticmethod
    def resolve_text(obj) -> str:
        from ..rules import describe_rule

        return describe_rule(obj)


class ProgramOut(Schema):
    id: int
    code: str
    name: str
    year: int
    organizer: OrganizationRef
    policy_basis: str
    description: str
    required_materials: list[str]
    call_opens: date
    call_closes: date
    status: ProgramStatus
    contact: str
    rules: list[ProgramRuleOut]
    budget: Decimal | None = Field(description="Budget figures: for staff only, else null.")
    committed_amount: Decimal | None
    paid_amount: Decimal | None

    @staticmethod
    def resolve_required_materials(obj) -> list[str]:
        return [line.strip() for line in obj.required_materials.splitlines() if line.strip()]

    @staticmethod
    def resolve_rules(obj) -> list:
        return list(obj.rules.all())

    @staticmethod
    def resolve_budget(obj):
        return obj.budget if getattr(obj, "sees_budget", False) else None

    @staticmethod
    def resolve_committed_amount(obj):
        return obj.committed_amount if getattr(obj, "sees_budget", False) else None

    @staticmethod
    def resolve_paid_amount(obj):
        return obj.paid_amount if getattr(obj, "sees_budget", False) else None


class RuleIn(Schema):
    kind: RuleKind
    label: str = Field(default="", max_length=200)
    amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    rate_percent: Decimal | None = Field(default=None, ge=0, le=100, max_digits=5, decimal_places=2)
    cap_per_item: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    cap_per_applicant: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    max_items_per_applicant: int | None = Field(default=None, ge=1, le=10000)
    date_from: date | None = None
    date_to: date | None = None
    in_district_required: bool = True
    params: dict = Field(default_factory=dict)


class ProgramIn(Schema):
    code: str = Field(max_length=32, min_length=1)
    name: str = Field(max_length=200, min_length=1)
    year: int = Field(ge=2000, le=2100)
    organizer: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Default: the caller's organization."
    )
    policy_basis: str = Field(default="", max_length=300)
    description: str = Field(default="", max_length=10000)
    required_materials: str = Field(default="", max_length=5000, description="One per line.")
    call_opens: date
    call_closes: date
    budget: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    contact: str = Field(default="", max_length=200)
    rules: list[RuleIn] = Field(default_factory=list, max_length=20)


class ProgramFilters(PageParams):
    q: str | None = Field(default=None, max_length=100)
    year: int | None = Field(default=None, ge=2000, le=2100)
    status: list[ProgramStatus] | None = None


class ProgramPage(Page[ProgramOut]):
    pass

"""API shapes of payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams


class PaymentOut(Schema):
    id: int
    application: int
    application_number: str
    applicant: str
    amount: Decimal
    paid_on: date
    voucher_number: str
    note: str

    @staticmethod
    def resolve_application(obj) -> int:
        return obj.application_id

    @staticmethod
    def resolve_application_number(obj) -> str:
        return obj.application.number

    @staticmethod
    def resolve_applicant(obj) -> str:
        return obj.application.applicant.name


PaymentPage = Page[PaymentOut]


class PaymentFilters(PageParams):
    program: int | None = None
    applicant: int | None = None
    year: int | None = Field(default=None, ge=1900, le=2999)
    paid_after: date | None = None
    paid_before: date | None = None
    q: str | None = Field(default=None, max_length=100)


class PaymentIn(Schema):
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    paid_on: date
    voucher_number: str = Field(max_length=100)
    note: str = Field(default="", max_length=300)

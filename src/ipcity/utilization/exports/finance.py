"""What each finance list exports: the columns a user sees, plus the parties' credit codes and
the rights' numbers, so a sheet can be read back by the import."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from ipcity.core.exports import ExportSpec

from ..filters.finance import (
    FinancialProductFilterSet,
    GuaranteeFilterSet,
    InsurancePolicyFilterSet,
    PledgeFilterSet,
    RiskAlertFilterSet,
    ValuationFilterSet,
)
from ..models import FinancialProduct, Guarantee, InsurancePolicy, Pledge, RiskAlert, Valuation
from ..models.finance import with_pledge_visibility


@dataclass
class FinanceExportSpec(ExportSpec):
    """An ExportSpec that also prefetches the rights (one query per chunk, not per row) and
    writes amounts as numbers."""

    prefetch: tuple[str, ...] = ()

    def queryset(self, user, params):
        qs = super().queryset(user, params)
        return qs.prefetch_related(*self.prefetch) if self.prefetch else qs

    def row(self, obj) -> list:
        cells = super().row(obj)
        return [
            _number(cell) if path in self._decimal_paths() else cell
            for path, cell in zip(self.fields, cells, strict=True)
        ]

    def _decimal_paths(self) -> set[str]:
        paths = getattr(self, "_decimals", None)
        if paths is None:
            paths = set()
            for path in self.fields:
                model = self.model
                try:
                    for part in path.split("."):
                        field = model._meta.get_field(part)
                        model = field.related_model or model
                except FieldDoesNotExist:
                    continue
                if isinstance(field, models.DecimalField):
                    paths.add(path)
            self._decimals = paths
        return paths


@dataclass
class GuaranteeExportSpec(FinanceExportSpec):
    """Guarantees, with the linked pledge's number only for readers who may see that pledge."""

    def queryset(self, user, params):
        return with_pledge_visibility(super().queryset(user, params), user)


def _number(cell):
    """Amounts as numbers in the sheet (the shared writer turns decimals into text)."""
    if cell in ("", None):
        return cell
    try:
        return float(Decimal(str(cell)))
    except (InvalidOperation, ValueError):
        return cell


def _label(model, field):
    return model._meta.get_field(field).verbose_name


PATENTS = _("Patent application numbers")
TRADEMARKS = _("Trademark registration numbers")

PRODUCT_EXPORT = FinanceExportSpec(
    model=FinancialProduct,
    path="ipcity.utilization.exports.finance.PRODUCT_EXPORT",
    filterset_class=FinancialProductFilterSet,
    select_related=("institution",),
    fields=[
        "institution.name",
        "name",
        "kind",
        "max_amount",
        "term_months",
        "rate",
        "contact",
        "is_active",
        "description",
    ],
    headers={"institution.name": _label(FinancialProduct, "institution")},
)

VALUATION_EXPORT = FinanceExportSpec(
    model=Valuation,
    path="ipcity.utilization.exports.finance.VALUATION_EXPORT",
    filterset_class=ValuationFilterSet,
    select_related=("owner", "appraiser", "commissioned_by"),
    prefetch=("patents", "trademarks"),
    fields=[
        "owner.name",
        "owner.uscc",
        "patent_numbers",
        "trademark_numbers",
        "method",
        "value",
        "date",
        "appraiser.name",
        "appraiser_name",
        "commissioned_by.name",
        "report_number",
        "purpose",
    ],
    headers={
        "owner.name": _label(Valuation, "owner"),
        "owner.uscc": _("Holder's credit code"),
        "patent_numbers": PATENTS,
        "trademark_numbers": TRADEMARKS,
        "appraiser.name": _label(Valuation, "appraiser"),
        "commissioned_by.name": _label(Valuation, "commissioned_by"),
    },
)

PLEDGE_EXPORT = FinanceExportSpec(
    model=Pledge,
    path="ipcity.utilization.exports.finance.PLEDGE_EXPORT",
    filterset_class=PledgeFilterSet,
    select_related=("pledgor", "pledgee", "product"),
    prefetch=("patents", "trademarks"),
    fields=[
        "registration_number",
        "registration_date",
        "pledgor.name",
        "pledgor.uscc",
        "pledgee.name",
        "pledgee.uscc",
        "patent_numbers",
        "trademark_numbers",
        "amount",
        "is_inclusive",
        "debt_kind",
        "contract_number",
        "term_start",
        "term_end",
        "status",
        "release_date",
        "product.name",
        "notes",
    ],
    headers={
        "pledgor.name": _label(Pledge, "pledgor"),
        "pledgor.uscc": _("Pledgor's credit code"),
        "pledgee.name": _label(Pledge, "pledgee"),
        "pledgee.uscc": _("Pledgee's credit code"),
        "patent_numbers": PATENTS,
        "trademark_numbers": TRADEMARKS,
        "is_inclusive": _("Inclusive lending"),
        "product.name": _label(Pledge, "product"),
    },
)

INSURANCE_EXPORT = FinanceExportSpec(
    model=InsurancePolicy,
    path="ipcity.utilization.exports.finance.INSURANCE_EXPORT",
    filterset_class=InsurancePolicyFilterSet,
    select_related=("insured", "insurer", "product"),
    prefetch=("patents",),
    fields=[
        "policy_number",
        "insured.name",
        "insured.uscc",
        "insurer.name",
        "kind",
        "patent_numbers",
        "insured_amount",
        "premium",
        "subsidy",
        "start_date",
        "end_date",
        "product.name",
    ],
    headers={
        "insured.name": _label(InsurancePolicy, "insured"),
        "insured.uscc": _("Insured's credit code"),
        "insurer.name": _label(InsurancePolicy, "insurer"),
        "patent_numbers": PATENTS,
        "product.name": _label(InsurancePolicy, "product"),
    },
)

GUARANTEE_EXPORT = GuaranteeExportSpec(
    model=Guarantee,
    path="ipcity.utilization.exports.finance.GUARANTEE_EXPORT",
    filterset_class=GuaranteeFilterSet,
    select_related=("guarantor", "borrower", "lender", "pledge"),
    fields=[
        "contract_number",
        "guarantor.name",
        "borrower.name",
        "borrower.uscc",
        "lender.name",
        "visible_pledge_number",
        "amount",
        "fee_rate",
        "start_date",
        "end_date",
    ],
    headers={
        "guarantor.name": _label(Guarantee, "guarantor"),
        "borrower.name": _label(Guarantee, "borrower"),
        "borrower.uscc": _("Borrower's credit code"),
        "lender.name": _label(Guarantee, "lender"),
        "visible_pledge_number": _("Pledge registration number"),
    },
)

RISK_EXPORT = FinanceExportSpec(
    model=RiskAlert,
    path="ipcity.utilization.exports.finance.RISK_EXPORT",
    filterset_class=RiskAlertFilterSet,
    select_related=("pledge__pledgor", "pledge__pledgee", "patent", "trademark"),
    fields=[
        "detected_on",
        "kind",
        "status",
        "pledge.registration_number",
        "pledge.pledgor.name",
        "pledge.pledgee.name",
        "patent.application_number",
        "trademark.registration_number",
        "event_date",
        "detail",
        "handled_note",
    ],
    headers={
        "pledge.registration_number": _("Pledge registration number"),
        "pledge.pledgor.name": _label(Pledge, "pledgor"),
        "pledge.pledgee.name": _label(Pledge, "pledgee"),
        "patent.application_number": _("Patent application number"),
        "trademark.registration_number": _("Trademark registration number"),
    },
)

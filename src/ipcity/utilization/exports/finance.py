"""What each finance list exports: the columns a user sees, plus the parties' credit codes and
the rights' numbers, so a sheet can be read back by the import as it is. Every column the import
reads is headed with the import's own column label (imports/finance.py: file data, not
translated), so an exported sheet re-imports without renaming a header; the columns only the
list shows (status, inclusive lending) keep translated headers the import ignores."""

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
from ..imports.finance import (
    FinancialProductImportFormat,
    GuaranteeImportFormat,
    InsurancePolicyImportFormat,
    PledgeImportFormat,
    ValuationImportFormat,
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


def _import_headers(fmt, paths: dict[str, str]) -> dict[str, str]:
    """Export path → the header of the import column `paths` maps it to."""
    labels = {column.key: column.label for column in fmt.columns}
    return {path: labels[key] for path, key in paths.items()}


PRODUCT_EXPORT = FinanceExportSpec(
    model=FinancialProduct,
    path="ipcity.utilization.exports.finance.PRODUCT_EXPORT",
    filterset_class=FinancialProductFilterSet,
    select_related=("institution",),
    fields=[
        "institution.name",
        "institution.uscc",
        "name",
        "kind",
        "max_amount",
        "term_months",
        "rate",
        "contact",
        "is_active",
        "description",
    ],
    headers=_import_headers(
        FinancialProductImportFormat,
        {
            "institution.name": "institution",
            "institution.uscc": "institution_uscc",
            "name": "name",
            "kind": "kind",
            "max_amount": "max_amount",
            "term_months": "term_months",
            "rate": "rate",
            "contact": "contact",
            "is_active": "is_active",
            "description": "description",
        },
    ),
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
        "appraiser_text",
        "commissioned_by.name",
        "commissioned_by.uscc",
        "report_number",
        "purpose",
    ],
    headers=_import_headers(
        ValuationImportFormat,
        {
            "owner.name": "owner",
            "owner.uscc": "owner_uscc",
            "patent_numbers": "patents",
            "trademark_numbers": "trademarks",
            "method": "method",
            "value": "value",
            "date": "date",
            "appraiser_text": "appraiser",
            "commissioned_by.name": "commissioned_by",
            "commissioned_by.uscc": "commissioned_by_uscc",
            "report_number": "report_number",
            "purpose": "purpose",
        },
    ),
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
        **_import_headers(
            PledgeImportFormat,
            {
                "registration_number": "registration_number",
                "registration_date": "registration_date",
                "pledgor.name": "pledgor",
                "pledgor.uscc": "pledgor_uscc",
                "pledgee.name": "pledgee",
                "pledgee.uscc": "pledgee_uscc",
                "patent_numbers": "patents",
                "trademark_numbers": "trademarks",
                "amount": "amount",
                "debt_kind": "debt_kind",
                "contract_number": "contract_number",
                "term_start": "term_start",
                "term_end": "term_end",
                "release_date": "release_date",
                "product.name": "product",
                "notes": "notes",
            },
        ),
        "is_inclusive": _("Inclusive lending"),
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
        "insurer.uscc",
        "kind",
        "patent_numbers",
        "insured_amount",
        "premium",
        "subsidy",
        "start_date",
        "end_date",
        "product.name",
    ],
    headers=_import_headers(
        InsurancePolicyImportFormat,
        {
            "policy_number": "policy_number",
            "insured.name": "insured",
            "insured.uscc": "insured_uscc",
            "insurer.name": "insurer",
            "insurer.uscc": "insurer_uscc",
            "kind": "kind",
            "patent_numbers": "patents",
            "insured_amount": "insured_amount",
            "premium": "premium",
            "subsidy": "subsidy",
            "start_date": "start_date",
            "end_date": "end_date",
            "product.name": "product",
        },
    ),
)

GUARANTEE_EXPORT = GuaranteeExportSpec(
    model=Guarantee,
    path="ipcity.utilization.exports.finance.GUARANTEE_EXPORT",
    filterset_class=GuaranteeFilterSet,
    select_related=("guarantor", "borrower", "lender", "pledge"),
    fields=[
        "contract_number",
        "guarantor.name",
        "guarantor.uscc",
        "borrower.name",
        "borrower.uscc",
        "lender.name",
        "lender.uscc",
        "visible_pledge_number",
        "amount",
        "fee_rate",
        "start_date",
        "end_date",
    ],
    headers=_import_headers(
        GuaranteeImportFormat,
        {
            "contract_number": "contract_number",
            "guarantor.name": "guarantor",
            "guarantor.uscc": "guarantor_uscc",
            "borrower.name": "borrower",
            "borrower.uscc": "borrower_uscc",
            "lender.name": "lender",
            "lender.uscc": "lender_uscc",
            "visible_pledge_number": "pledge",
            "amount": "amount",
            "fee_rate": "fee_rate",
            "start_date": "start_date",
            "end_date": "end_date",
        },
    ),
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

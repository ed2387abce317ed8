"""What each cultivation list exports: the columns a user sees, with the enterprise's name and
credit code (what the imports match enterprises by). The columns an import reads are headed with
that import's own labels, so an export re-imports as it is (updating the records it holds)."""

from django.utils.translation import gettext_lazy as _

from ipcity.core.exports import ExportSpec

from ..filters.cultivation import (
    DesignationFilterSet,
    EnterpriseFactsFilterSet,
    PoolEntryFilterSet,
    SupportRecordFilterSet,
)
from ..imports.cultivation import (
    ENTERPRISE_COLUMNS,
    DesignationImportFormat,
    EnterpriseFactsImportFormat,
    PoolEntryImportFormat,
    SupportRecordImportFormat,
)
from ..models import Designation, EnterpriseFacts, PoolEntry, SupportRecord
from .certification import import_headers

ENTERPRISE = ENTERPRISE_COLUMNS[0].label
USCC = ENTERPRISE_COLUMNS[1].label
STREET = _("Street or town")

DESIGNATION_EXPORT = ExportSpec(
    model=Designation,
    path="ipcity.utilization.exports.cultivation.DESIGNATION_EXPORT",
    filterset_class=DesignationFilterSet,
    select_related=("organization", "organization__region"),
    fields=[
        "organization.name",
        "organization.uscc",
        "kind",
        "level",
        "year",
        "valid_from",
        "valid_until",
        "certificate_number",
        "source_document",
        "organization.region.name",
        "notes",
    ],
    headers={
        "organization.name": ENTERPRISE,
        "organization.uscc": USCC,
        "organization.region.name": STREET,
        **import_headers(
            DesignationImportFormat,
            {
                f: f
                for f in (
                    "kind",
                    "level",
                    "year",
                    "valid_from",
                    "valid_until",
                    "certificate_number",
                    "source_document",
                    "notes",
                )
            },
        ),
    },
)

POOL_EXPORT = ExportSpec(
    model=PoolEntry,
    path="ipcity.utilization.exports.cultivation.POOL_EXPORT",
    filterset_class=PoolEntryFilterSet,
    # The designation obtained as plain columns of the row (its level and year): no query per
    # row for the designation's own enterprise.
    select_related=("organization", "organization__region", "designation"),
    fields=[
        "organization.name",
        "organization.uscc",
        "target_kind",
        "target_level",
        "stage",
        "year",
        "criteria_met",
        "criteria_total",
        "meets_all",
        "evaluated_at",
        "designation.level",
        "designation.year",
        "organization.region.name",
        "notes",
    ],
    headers={
        "organization.name": ENTERPRISE,
        "organization.uscc": USCC,
        "organization.region.name": STREET,
        "designation.level": _("Level obtained"),
        "designation.year": _("Year designated"),
        **import_headers(
            PoolEntryImportFormat,
            {
                "target_kind": "kind",
                "target_level": "level",
                "stage": "stage",
                "year": "year",
                "notes": "notes",
            },
        ),
    },
)

SUPPORT_EXPORT = ExportSpec(
    model=SupportRecord,
    path="ipcity.utilization.exports.cultivation.SUPPORT_EXPORT",
    filterset_class=SupportRecordFilterSet,
    select_related=("organization", "provider"),
    fields=[
        "organization.name",
        "organization.uscc",
        "kind",
        "date",
        "amount",
        "title",
        "description",
        "provider.name",
    ],
    headers={
        "organization.name": ENTERPRISE,
        "organization.uscc": USCC,
        **import_headers(
            SupportRecordImportFormat,
            {
                "kind": "kind",
                "date": "date",
                "amount": "amount",
                "title": "title",
                "description": "description",
                "provider.name": "provider",
            },
        ),
    },
)

FACTS_EXPORT = ExportSpec(
    model=EnterpriseFacts,
    path="ipcity.utilization.exports.cultivation.FACTS_EXPORT",
    filterset_class=EnterpriseFactsFilterSet,
    select_related=("organization",),
    fields=[
        "organization.name",
        "organization.uscc",
        "year",
        "employees",
        "rd_staff",
        "revenue",
        "rd_expense",
        "source",
    ],
    headers={
        "organization.name": ENTERPRISE,
        "organization.uscc": USCC,
        **import_headers(
            EnterpriseFactsImportFormat,
            {f: f for f in ("year", "employees", "rd_staff", "revenue", "rd_expense", "source")},
        ),
    },
)

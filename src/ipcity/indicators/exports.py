"""Exports: the records behind an indicator value, and the dashboard's tables as Excel."""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils import timezone

from ipcity.core.exports import ExportSpec, escape_formula
from ipcity.orgs.models import Organization
from ipcity.rights.models import (
    Copyright,
    GeographicalIndication,
    Patent,
    PlantVarietyRight,
    Trademark,
)
from ipcity.utilization.models import Certificate, InsurancePolicy, Pledge, Transaction

from . import measures
from .choices import Dimension


class RecordsFilter:
    """The drill-down's filter in the shape ExportSpec expects of a FilterSet: the parameters
    `indicator`, `year`, `dimension`, `value` narrow the queryset to the records counted, as
    the requesting user may see them (measures.records)."""

    def __init__(self, data=None, queryset=None, request=None, **kwargs):
        self.data = data or {}
        self.queryset = queryset
        self.user = getattr(request, "user", None)

    @property
    def qs(self):
        resolved = resolve(self.data)
        if resolved is None or self.user is None:
            return self.queryset.none()
        measure, ctx, dimension, value = resolved
        if measure.model is not self.queryset.model:
            return self.queryset.none()
        qs = measures.records(measure, ctx, self.user, queryset=self.queryset)
        if qs is None:
            return self.queryset.none()
        return measures.filter_group(qs, measure, ctx, dimension, value)


def resolve(params):
    """(measure, context, dimension, value) from drill-down parameters, or None when invalid."""
    from .models import IndicatorDefinition

    code = (params.get("indicator") or "").strip()
    try:
        year = int(params.get("year") or "")
    except ValueError:
        return None
    if not 1985 <= year <= 2100:
        return None
    definition = IndicatorDefinition.objects.filter(code=code).first()
    if definition is None:
        return None
    measure = measures.MEASURES.get(definition.numerator_code or definition.code)
    dimension = params.get("dimension") or Dimension.TOTAL
    if measure is None or dimension not in Dimension.values:
        return None
    if dimension != Dimension.TOTAL and dimension not in measure.dims:
        return None
    return measure, measures.make_context(year), dimension, params.get("value") or ""


def _spec(model, fields, select_related, name) -> ExportSpec:
    return ExportSpec(
        model=model,
        fields=fields,
        path=f"ipcity.indicators.exports.{name}",
        filterset_class=RecordsFilter,
        select_related=select_related,
    )


PATENT_RECORDS = _spec(
    Patent,
    [
        "application_number",
        "title",
        "patent_type",
        "legal_status",
        "filing_date",
        "grant_date",
        "main_ipc",
        "holder_names",
        "region.name",
        "attribution",
        "is_high_value",
        "high_value_criteria",
        "high_value_rule.code",
    ],
    ("region", "high_value_rule"),
    "PATENT_RECORDS",
)
TRADEMARK_RECORDS = _spec(
    Trademark,
    [
        "registration_number",
        "mark",
        "nice_classes",
        "holder.name",
        "status",
        "registration_date",
        "is_madrid",
        "region.name",
    ],
    ("holder", "region"),
    "TRADEMARK_RECORDS",
)
GI_RECORDS = _spec(
    GeographicalIndication,
    ["name", "kind", "product", "applicant.name", "stage", "registered_date"],
    ("applicant",),
    "GI_RECORDS",
)
PVR_RECORDS = _spec(
    PlantVarietyRight,
    ["right_number", "variety", "species", "holder.name", "status", "grant_date"],
    ("holder",),
    "PVR_RECORDS",
)
COPYRIGHT_RECORDS = _spec(
    Copyright,
    ["registration_number", "title", "kind", "holder.name", "registration_date"],
    ("holder",),
    "COPYRIGHT_RECORDS",
)
ORGANIZATION_RECORDS = _spec(
    Organization,
    ["name", "kind", "uscc", "region.name", "industry"],
    ("region",),
    "ORGANIZATION_RECORDS",
)
PLEDGE_RECORDS = _spec(
    Pledge,
    [
        "registration_number",
        "pledgor.name",
        "pledgee.name",
        "amount",
        "registration_date",
        "term_end",
        "status",
        "pledgor.region.name",
    ],
    ("pledgor__region", "pledgee"),
    "PLEDGE_RECORDS",
)
INSURANCE_RECORDS = _spec(
    InsurancePolicy,
    [
        "policy_number",
        "insured.name",
        "insurer.name",
        "kind",
        "insured_amount",
        "start_date",
        "end_date",
        "insured.region.name",
    ],
    ("insured__region", "insurer"),
    "INSURANCE_RECORDS",
)
TRANSACTION_RECORDS = _spec(
    Transaction,
    [
        "registration_number",
        "kind",
        "assignor_name",
        "assignee_name",
        "amount",
        "year",
        "registration_date",
        "from_university",
        "from_outside",
        "origin",
        "district_region.name",
    ],
    ("district_region",),
    "TRANSACTION_RECORDS",
)
CERTIFICATE_RECORDS = _spec(
    Certificate,
    [
        "number",
        "organization.name",
        "standard_version",
        "body_name",
        "issue_date",
        "expiry_date",
        "status",
        "converted_on",
        "organization.region.name",
    ],
    ("organization__region",),
    "CERTIFICATE_RECORDS",
)
SPECS = {
    Patent: PATENT_RECORDS,
    Trademark: TRADEMARK_RECORDS,
    GeographicalIndication: GI_RECORDS,
    PlantVarietyRight: PVR_RECORDS,
    Copyright: COPYRIGHT_RECORDS,
    Organization: ORGANIZATION_RECORDS,
    Pledge: PLEDGE_RECORDS,
    InsurancePolicy: INSURANCE_RECORDS,
    Transaction: TRANSACTION_RECORDS,
    Certificate: CERTIFICATE_RECORDS,
}


def xlsx_response(title: str, headers: list, rows: list[list], filename: str) -> HttpResponse:
    """A small table (a dashboard's, bounded by the number of groups) as one xlsx sheet."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31] or "table"
    ws.append([str(h) for h in headers])
    for row in rows:
        ws.append([escape_formula(str(c)) if isinstance(c, str) else c for c in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = f"{timezone.localtime():%Y%m%d-%H%M}"
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
    return response

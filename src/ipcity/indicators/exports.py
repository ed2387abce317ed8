"""Exports: the records behind an indicator value, and the dashboard's tables as Excel."""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils import timezone

from ipcity.core.exports import ExportSpec, escape_formula
from ipcity.rights.models import (
    Copyright,
    GeographicalIndication,
    Patent,
    PlantVarietyRight,
    Trademark,
)

from . import measures
from .choices import Dimension


class RecordsFilter:
    """The drill-down's filter in the shape ExportSpec expects of a FilterSet: the parameters
    `indicator`, `year`, `dimension`, `value` narrow the queryset to the records counted."""

    def __init__(self, data=None, queryset=None, request=None, **kwargs):
        self.data = data or {}
        self.queryset = queryset

    @property
    def qs(self):
        resolved = resolve(self.data)
        if resolved is None:
            return self.queryset.none()
        measure, ctx, dimension, value = resolved
        where = measure.where(ctx)
        if isinstance(where, str) or measure.model is not self.queryset.model:
            return self.queryset.none()
        return measures.filter_group(self.queryset.filter(where), measure, ctx, dimension, value)


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
SPECS = {
    Patent: PATENT_RECORDS,
    Trademark: TRADEMARK_RECORDS,
    GeographicalIndication: GI_RECORDS,
    PlantVarietyRight: PVR_RECORDS,
    Copyright: COPYRIGHT_RECORDS,
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

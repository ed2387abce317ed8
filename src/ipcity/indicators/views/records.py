"""The records behind an indicator value: the drill-down list, paginated and exportable.

It applies the very filter the computation counted with (indicators.measures), so the list holds
exactly the counted records, as they are now; the stored value and when it was computed are shown
beside the live count. Reading needs the indicator permission and the view permission of the
records' model, and of the model a measure chooses them through (the pledges behind enterprises
financed); the list holds only what the reader may view of both.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, path

from ipcity.core.exports import FORMATS, export_response
from ipcity.core.scope import has_perm
from ipcity.core.views.generic import paginate

from .. import measures
from ..choices import Dimension
from ..exports import SPECS, resolve
from ..models import IndicatorDefinition, IndicatorSnapshot


def _url(obj) -> str:
    try:
        return obj.get_absolute_url()
    except (NoReverseMatch, AttributeError):
        return ""


@login_required
def records(request):
    if not has_perm(request.user, IndicatorSnapshot, "view"):
        raise PermissionDenied
    resolved = resolve(request.GET)
    if resolved is None:
        raise Http404
    measure, ctx, dimension, value = resolved
    if not measures.may_read(request.user, measure):
        raise PermissionDenied
    spec = SPECS[measure.model]
    fmt = request.GET.get("export")
    if fmt:
        return export_response(request, spec, fmt)
    code = request.GET.get("indicator", "").strip()
    definition = IndicatorDefinition.objects.filter(code=code).first()
    if definition is None:
        raise Http404
    snapshot = (
        IndicatorSnapshot.objects.filter(
            definition=definition,
            year=ctx.year,
            dimension=dimension,
            dimension_value=value if dimension != Dimension.TOTAL else "",
        )
        .select_related("population_used", "computed_by")
        .first()
    )
    qs = measures.records(measure, ctx, request.user)
    undefined = qs is None
    if not undefined:
        qs = measures.filter_group(qs, measure, ctx, dimension, value)
        qs = qs.select_related(*spec.select_related).order_by(
            *(measure.model._meta.ordering or ["pk"])
        )
    live_sum = None
    if not undefined and measure.is_sum:
        live_sum = measures.figure(qs, measure)[1]
    page = paginate(request, qs if not undefined else measure.model.objects.none())
    rows = [{"url": _url(obj), "cells": spec.row(obj)} for obj in page.object_list]
    return render(
        request,
        "indicators/records.html",
        {
            "definition": definition,
            "counted": measures.MEASURES.get(definition.numerator_code),
            "year": ctx.year,
            "dimension": dimension,
            "dimension_label": Dimension(dimension).label,
            "group_label": snapshot.label if snapshot else value,
            "snapshot": snapshot,
            "undefined_reason": measure.where(ctx) if undefined else "",
            "live_sum": live_sum,
            "is_sum": measure.is_sum,  # stored value and live sum: the same two decimals
            "sum_field": (
                measure.model._meta.get_field(measure.value_field).verbose_name
                if measure.is_sum
                else ""
            ),
            "headers": spec.headers_row(),
            "rows": rows,
            "page": page,
            "export_formats": FORMATS,
            "query": request.GET.urlencode(),
            "verbose_name_plural": measure.model._meta.verbose_name_plural,
        },
    )


urlpatterns = [path("records/", records, name="records")]

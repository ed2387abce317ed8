"""The services overview (服务 → 服务概览): a year's figures (stats.py) for readers of service
requests or events, with charts drawn by a static script (static/ipcity/bar_charts.js) from
data embedded with json_script. Every number links to the list behind it; `?export=xlsx`
downloads the figures. A reader with neither permission gets a 404."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core import menu
from ipcity.core.exports import escape_formula, sheet_title

from .. import stats

menu.register(
    "service",
    gettext_lazy("Services overview"),
    "services:overview",
    "services.view_event",
    order=1,
    icon="speedometer2",
)

YEARS_OFFERED = 10


def parse_year(value) -> int | None:
    this_year = timezone.localdate().year
    if value in (None, ""):
        return this_year
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if stats.MIN_YEAR <= year <= this_year + 1 else None


def _points(figures) -> list[dict]:
    return [{"value": f.as_dict()["value"] or 0, "url": f.url} for f in figures]


def chart_data(result: stats.Stats) -> dict:
    charts = {}
    if result.by_kind:
        charts["kinds"] = {
            "names": [row["label"] for row in result.by_kind],
            "series": [
                {"name": _("Requests"), "data": _points([r["total"] for r in result.by_kind])}
            ],
        }
        charts["statuses"] = {
            "names": [str(f.label) for f in result.by_status],
            "series": [{"name": _("Requests"), "data": _points(result.by_status)}],
        }
        charts["ratings"] = {
            "names": [str(f.label) for f in result.ratings],
            "series": [{"name": _("Ratings"), "data": _points(result.ratings)}],
        }
    if result.by_channel:
        charts["channels"] = {
            "names": [row["label"] for row in result.by_channel],
            "series": [
                {"name": _("Events"), "data": _points([r["count"] for r in result.by_channel])},
                {
                    "name": _("People reached"),
                    "data": _points([r["reach"] for r in result.by_channel]),
                    "axis": 1,
                },
            ],
        }
    return charts


def xlsx(result: stats.Stats) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(_("Figures"), "figures")
    ws.append([_("Year"), result.year])
    ws.append([])
    ws.append([_("Section"), _("Figure"), _("Value"), _("Unit")])
    sections = [
        (_("Service requests"), result.requests),
        (_("Requests by service"), [r["total"] for r in result.by_kind]),
        (_("Requests by status"), result.by_status),
        (_("Requests by service point"), result.by_point),
        (_("Ratings"), result.ratings),
        (_("Publicity"), result.events),
        (_("Events by kind"), result.events_by_kind),
        (_("Events by channel"), [r["count"] for r in result.by_channel]),
        (_("People reached by channel"), [r["reach"] for r in result.by_channel]),
        (_("Training"), result.training),
        (_("Talent pool"), result.talent),
    ]
    for section, figures in sections:
        for figure in figures:
            value = figure.as_dict()["value"]
            ws.append(
                [
                    escape_formula(str(section)),
                    escape_formula(str(figure.label)),
                    "" if value is None else value,
                    str(figure.unit),
                ]
            )
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="services-overview-{result.year}.xlsx"'
    return response


@login_required
def overview(request):
    user = request.user
    if not stats.can_view(user):
        raise Http404
    this_year = timezone.localdate().year
    year = parse_year(request.GET.get("year"))
    invalid_year = year is None
    if invalid_year:
        year = this_year
    result = stats.compute(user, year)
    if request.GET.get("export") == "xlsx" and not invalid_year:
        return xlsx(result)
    return render(
        request,
        "services/overview.html",
        {
            "year": year,
            "years": list(range(this_year, this_year - YEARS_OFFERED, -1)),
            "invalid_year": invalid_year,
            "stats": result,
            "figures": result.by_key(),
            "charts": chart_data(result),
        },
        status=400 if invalid_year else 200,
    )


urlpatterns = [
    path("", overview, name="overview"),
]

"""Protection pages: the overview (保护 → 概览).

A year's figures (stats.py) for holders of `protection.summary_case`, optionally narrowed to one
agency: headline figures, cases opened and closed by right type and by agency, the agency × right
type table, and three charts drawn by a static script (static/protection/overview.js) from data
embedded with json_script (no inline script, no CDN). Every number links to the list behind it;
`?export=xlsx` downloads the tables. A reader without the permission gets a 404.
"""

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
from ..models import Agency

menu.register(
    "protection",
    gettext_lazy("Overview"),
    "protection:overview",
    "protection.summary_case",
    order=10,
    icon="speedometer2",
)

YEARS_OFFERED = 10


def parse_year(value) -> int | None:
    """A year from a parameter: this year when absent, None when not a year this page covers."""
    this_year = timezone.localdate().year
    if value in (None, ""):
        return this_year
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if stats.MIN_YEAR <= year <= this_year else None


def agency_choices(user) -> list[tuple[int, str]]:
    """The agencies the page may be narrowed to: (organization pk, name)."""
    return [
        (a.organization_id, a.organization.name)
        for a in Agency.objects.restrict(user, "view")
        .select_related("organization")
        .order_by("organization__name")
    ]


def parse_agency(value, choices) -> tuple[int | None, bool]:
    """(organization pk or None, valid)."""
    if value in (None, ""):
        return None, True
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None, False
    return (pk, True) if pk in {c[0] for c in choices} else (None, False)


def chart_data(result: stats.Stats) -> dict:
    months = result.months
    return {
        "labels": {
            "opened": _("Opened"),
            "closed": _("Closed"),
            "fines": _("Fines (10k yuan)"),
        },
        "months": {
            "names": [f"{m:02d}" for m in range(1, 13)],
            "opened": [{"value": f.value, "url": f.url} for f in months.get("opened", [])],
            "closed": [{"value": f.value, "url": f.url} for f in months.get("closed", [])],
        },
        "right_types": {
            "names": [r["label"] for r in result.by_right_type],
            "opened": [
                {"value": r["opened"].value, "url": r["opened"].url} for r in result.by_right_type
            ],
            "closed": [
                {"value": r["closed"].value, "url": r["closed"].url} for r in result.by_right_type
            ],
        },
        "fines": {
            "names": [a["name"] for a in result.by_agency],
            "values": [
                {"value": round(float(a["fines"].value) / 10000, 2), "url": a["fines"].url}
                for a in result.by_agency
            ],
        },
    }


def _headers(result: stats.Stats) -> list[str]:
    headers = [_("Agency")]
    for _v, label in result.right_types:
        headers += [
            _("%(type)s opened") % {"type": label},
            _("%(type)s closed") % {"type": label},
        ]
    return [*headers, _("Opened"), _("Closed"), _("Fines (yuan)")]


def table_rows(result: stats.Stats) -> list[list]:
    """The agency × right type table as plain rows (for the xlsx)."""
    rows = []
    for a in result.by_agency:
        cells = [a["name"]]
        for cell in a["cells"]:
            cells += [cell["opened"].value, cell["closed"].value]
        rows.append([*cells, a["opened"].value, a["closed"].value, a["fines"].value])
    total = [_("Total")]
    for r in result.by_right_type:
        total += [r["opened"].value, r["closed"].value]
    figures = result.by_key()
    rows.append([*total, figures["opened"].value, figures["closed"].value, figures["fines"].value])
    return rows


def xlsx(result: stats.Stats, agency_name: str) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(_("Figures"), "figures")
    scope = agency_name or _("All agencies")
    ws.append([_("Year"), result.year])
    ws.append([_("Agency"), escape_formula(scope)])
    ws.append([])
    ws.append([_("Figure"), _("Value"), _("Unit")])
    for figure in [*result.figures, *result.transfers, *result.leads]:
        value = figure.value
        if value is None:
            value = ""
        ws.append([escape_formula(str(figure.label)), value, str(figure.unit)])
    table = wb.create_sheet(sheet_title(_("By agency and right type"), "table"))
    table.append(_headers(result))
    for row in table_rows(result):
        table.append([escape_formula(c) if isinstance(c, str) else c for c in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="protection-overview-{result.year}'
        f'{"-" + str(result.agency) if result.agency else ""}.xlsx"'
    )
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
    choices = agency_choices(user)
    agency, agency_ok = parse_agency(request.GET.get("agency"), choices)
    result = stats.compute(user, year, agency)
    agency_name = dict(choices).get(agency, "") if agency else ""
    if request.GET.get("export") == "xlsx" and not invalid_year and agency_ok:
        return xlsx(result, agency_name)
    figures = result.by_key()
    return render(
        request,
        "protection/overview/overview.html",
        {
            "year": year,
            "years": list(range(this_year, this_year - YEARS_OFFERED, -1)),
            "invalid_year": invalid_year,
            "invalid_agency": not agency_ok,
            "agency": agency,
            "agency_name": agency_name,
            "agencies": choices,
            "stats": result,
            "headline": result.figures,
            "figures": figures,
            "charts": chart_data(result),
            "export_query": _export_query(year, agency),
            "table_columns": 2 * len(result.right_types) + 4,
        },
        status=400 if invalid_year or not agency_ok else 200,
    )


def _export_query(year: int, agency: int | None) -> str:
    query = f"year={year}&export=xlsx"
    return f"{query}&agency={agency}" if agency else query


urlpatterns = [
    path("", overview, name="overview"),
]

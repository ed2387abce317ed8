"""Protection API: the figures of the overview (GET /api/protection/stats?year=&agency=).

The same figures as the overview page (stats.compute), each with the URL of the list that shows
exactly its rows. Only holders of protection.summary_case reach it; others get a 404, as on the
page. Mounted by api/__init__.py (`router.add_router("/", stats.router)`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses

from .. import stats
from ..models import Agency

router = Router(tags=["protection"])


class StatsQuery(Schema):
    year: int | None = Field(None, description="The year; this year when absent.")
    agency: ObjectId | None = Field(
        None, description="An agency's organization id; all agencies when absent."
    )


class FigureOut(Schema):
    key: str
    label: str
    value: float | None = Field(description="Count, amount in yuan, or days.")
    text: str = Field(description="The value as shown on the page.")
    unit: str = ""
    wan: str = Field("", description="An amount in 10k yuan (万元).")
    url: str = Field(description="The list that shows the rows counted.")
    exact: bool = Field(True, description="False when the list shows more rows than counted.")


class RightTypeOut(Schema):
    right_type: str
    label: str
    opened: FigureOut
    closed: FigureOut


class CellOut(Schema):
    right_type: str
    opened: FigureOut
    closed: FigureOut


class AgencyOut(Schema):
    agency: int
    name: str
    opened: FigureOut
    closed: FigureOut
    fines: FigureOut
    cells: list[CellOut]


class StatsOut(Schema):
    year: int
    agency: int | None
    figures: list[FigureOut]
    transfers: list[FigureOut]
    leads: list[FigureOut]
    by_right_type: list[RightTypeOut]
    by_agency: list[AgencyOut]


def _figure(f: stats.Figure) -> dict:
    data = f.as_dict()
    data["value"] = None if f.value is None else float(f.value)
    return data


def answer(user, year: int | None, agency: int | None) -> dict:
    if not stats.can_view(user):
        raise Http404
    this_year = timezone.localdate().year
    year = this_year if year is None else year
    if not stats.MIN_YEAR <= year <= this_year:
        raise ValidationError(
            {
                "year": [
                    _("Give a year from %(first)d to %(last)d.")
                    % {"first": stats.MIN_YEAR, "last": this_year}
                ]
            }
        )
    if agency is not None and not (
        Agency.objects.restrict(user, "view").filter(organization_id=agency).exists()
    ):
        raise ValidationError({"agency": [_("That is not an enforcement agency.")]})
    result = stats.compute(user, year, agency)
    return {
        "year": year,
        "agency": agency,
        "figures": [_figure(f) for f in result.figures],
        "transfers": [_figure(f) for f in result.transfers],
        "leads": [_figure(f) for f in result.leads],
        "by_right_type": [
            {
                "right_type": r["key"],
                "label": r["label"],
                "opened": _figure(r["opened"]),
                "closed": _figure(r["closed"]),
            }
            for r in result.by_right_type
        ],
        "by_agency": [
            {
                "agency": a["agency"],
                "name": a["name"],
                "opened": _figure(a["opened"]),
                "closed": _figure(a["closed"]),
                "fines": _figure(a["fines"]),
                "cells": [
                    {
                        "right_type": c["right_type"],
                        "opened": _figure(c["opened"]),
                        "closed": _figure(c["closed"]),
                    }
                    for c in a["cells"]
                ],
            }
            for a in result.by_agency
        ],
    }


@router.get(
    "/stats",
    response=_responses(200, StatsOut),
    summary="Protection statistics",
    description="Cases opened, closed, open and overdue, decisions, fines, transfers, repeat, "
    "malicious and group infringement, time to decision, leads, by right type and by agency, "
    "for a year and optionally one agency. Each figure carries the URL of the list that shows "
    "the rows it counts.",
    operation_id="protection_stats",
)
def protection_stats(request, query: Query[StatsQuery]):
    return answer(request.auth, query.year, query.agency)


@router.get(
    "/stats/",
    response=_responses(200, StatsOut),
    include_in_schema=False,
    operation_id="protection_stats_slash",
)
def protection_stats_slash(request, query: Query[StatsQuery]):
    return answer(request.auth, query.year, query.agency)

"""Services API: the figures of the overview (GET /api/services/stats?year=).

The same figures as the overview page (stats.compute), each with the URL of the list that shows
its rows. Readers of neither service requests nor events get a 404, as on the page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from ipcity.core.api.params import responses as _responses

from .. import stats
from ..views.overview import parse_year

router = Router(tags=["services"])


class StatsQuery(Schema):
    year: int | None = Field(None, description="The year; this year when absent.")


class FigureOut(Schema):
    key: str
    label: str
    value: float | None = Field(description="A count, a sum, a percentage or an average.")
    text: str = Field(description="The value as shown on the page.")
    unit: str = ""
    url: str = Field(description="The list that shows the rows counted.")
    exact: bool = Field(True, description="False when the list shows more rows than counted.")


class ServiceStatsOut(Schema):
    year: int
    sections: list[str] = Field(description="requests, events, training, talent: those shown.")
    figures: list[FigureOut]


@router.get(
    "/stats",
    response=_responses(200, ServiceStatsOut),
    summary="Services figures of a year",
    description="Requests by service, status and service point, answered in time, "
    "satisfaction, hand-overs; events and reach by channel; courses, attendances, hours and "
    "certificates; the talent pool by kind. Each figure names the list of its rows.",
    operation_id="services_stats",
)
def services_stats(request, query: Query[StatsQuery]):
    user = request.auth
    if not stats.can_view(user):
        raise Http404
    year = parse_year(query.year)
    if year is None:
        raise ValidationError({"year": [_("That is not a year the overview covers.")]})
    return stats.compute(user, year).as_dict()

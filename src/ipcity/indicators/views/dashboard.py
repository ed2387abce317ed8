"""The creation dashboard (统计): headline figures, charts, tables with Excel export, recompute.

Indicators are district-level figures: they are shown to holders of
indicators.view_indicatorsnapshot (office staff, member units, leaders), not to enterprise users.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ipcity.core import menu
from ipcity.core.jobs import job_url
from ipcity.core.scope import has_perm

from .. import dashboards
from ..exports import xlsx_response
from ..jobs import request_compute
from ..models import IndicatorDefinition, IndicatorSnapshot

menu.register(
    "statistics",
    gettext_lazy("Creation dashboard"),
    "indicators:dashboard",
    "indicators.view_indicatorsnapshot",
    order=10,
    icon="bar-chart-line",
)
menu.register(
    "statistics",
    gettext_lazy("Indicator definitions"),
    "indicators:definition_list",
    "indicators.view_indicatordefinition",
    order=80,
    icon="journal-text",
)

MIN_YEAR = 1985


def _require_view(user) -> None:
    if not has_perm(user, IndicatorSnapshot, "view"):
        raise PermissionDenied


def _year(value, default: int | None = None) -> int | None:
    """A year from a parameter; None when it is not a plausible year."""
    if value in (None, ""):
        return default
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if MIN_YEAR <= year <= timezone.localdate().year else None


@login_required
def dashboard(request):
    _require_view(request.user)
    year = _year(request.GET.get("year"), dashboards.default_year())
    if year is None:
        year = dashboards.default_year()
    snaps = dashboards.YearSnapshots(year)
    years = dashboards.years_with_snapshots()
    return render(
        request,
        "indicators/dashboard.html",
        {
            "year": year,
            "years": sorted(set(years) | {year}, reverse=True),
            "snaps": snaps,
            "tiles": snaps.tiles(),
            "tables": [snaps.table(name) for name in dashboards.TABLES] if snaps.rows else [],
            "can_compute": has_perm(request.user, IndicatorSnapshot, "add"),
            "this_year": timezone.localdate().year,
        },
    )


@login_required
def dashboard_data(request):
    _require_view(request.user)
    year = _year(request.GET.get("year"), dashboards.default_year())
    if year is None:
        return JsonResponse({"error": _("Not a valid year.")}, status=400)
    return JsonResponse(dashboards.YearSnapshots(year).chart_data())


@login_required
def dashboard_export(request, table):
    _require_view(request.user)
    year = _year(request.GET.get("year"), dashboards.default_year())
    if table not in dashboards.TABLES or year is None:
        raise Http404
    data = dashboards.YearSnapshots(year).table(table)
    rows = [[row["label"], *(c["value"] for c in row["cells"])] for row in data["rows"]]
    return xlsx_response(str(data["title"]), data["headers"], rows, f"{table}-{year}")


@login_required
@require_POST
def compute(request):
    if not has_perm(request.user, IndicatorSnapshot, "add"):
        raise PermissionDenied
    year = _year(request.POST.get("year"))
    if year is None:
        messages.error(
            request,
            _("Choose a year between %(first)d and %(last)d.")
            % {"first": MIN_YEAR, "last": timezone.localdate().year},
        )
        return redirect("indicators:dashboard")
    with transaction.atomic():
        job = request_compute(request.user, year)
    return redirect(job_url(job))


@login_required
def definition_list(request):
    if not has_perm(request.user, IndicatorDefinition, "view"):
        raise PermissionDenied
    definitions = IndicatorDefinition.objects.restrict(request.user, "view")
    return render(request, "indicators/definition_list.html", {"definitions": definitions})


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("data.json", dashboard_data, name="dashboard_data"),
    path("export/<slug:table>.xlsx", dashboard_export, name="dashboard_export"),
    path("compute/", compute, name="compute"),
    path("definitions/", definition_list, name="definition_list"),
]

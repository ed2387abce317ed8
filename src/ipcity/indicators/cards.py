"""The home-dashboard card: the headline per-10k figures of the latest computed year."""

from django.urls import reverse
from django.utils.translation import gettext as _

from ipcity.core.dashboard import register_card
from ipcity.core.scope import has_perm

from . import dashboards
from .models import IndicatorSnapshot


@register_card(order=20)
def creation_card(request):
    if not has_perm(request.user, IndicatorSnapshot, "view"):
        return None
    year = dashboards.latest_year()
    more_url = reverse("indicators:dashboard")
    if year is None:
        return {
            "template": "core/cards/figures.html",
            "title": _("Creation indicators"),
            "more_url": more_url,
            "groups": [{"title": _("No indicators computed yet."), "items": []}],
        }
    tiles = dashboards.YearSnapshots(year).tiles(dashboards.HEADLINE)
    return {
        "template": "core/cards/figures.html",
        "title": _("Creation indicators, %(year)d") % {"year": year},
        "more_url": f"{more_url}?year={year}",
        "groups": [
            {
                "title": "",
                "items": [
                    {
                        "label": t["label"] + (f" ({t['note']})" if t["is_null"] else ""),
                        "value": t["value"],
                        "url": t["url"],
                    }
                    for t in tiles
                ],
            }
        ],
    }

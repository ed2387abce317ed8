"""Dashboard card of the incentive programmes: this year's money and awards for staff, an
enterprise's own applications by status otherwise. Each figure links to its rows."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.core.dashboard import register_card
from ipcity.core.scope import has_perm

from . import stats
from .models import Program


def _yuan(value) -> str:
    return f"{value:,.2f}"


@register_card(order=60)
def incentives_card(request):
    user = request.user
    if not has_perm(user, Program, "view"):
        return None
    year = timezone.localdate().year
    if stats.is_staff_reader(user):
        figures = stats.figures(user, year)
        totals = figures["totals"]
        items = [
            {
                "label": _("Budget (yuan)"),
                "value": _yuan(totals["budget"]),
                "url": f"{reverse('incentives:overview')}?year={year}",
            },
            {
                "label": _("Approved (yuan)"),
                "value": _yuan(totals["approved"]),
                "url": totals["awarded_url"],
            },
            {"label": _("Paid (yuan)"), "value": _yuan(totals["paid"]), "url": totals["paid_url"]},
            {"label": _("Rights rewarded"), "value": totals["rights"], "url": totals["rights_url"]},
        ]
    else:
        items = [
            {"label": row["label"], "value": row["count"], "url": row["url"]}
            for row in stats.own_statuses(user)
        ]
        if not items:
            return None
    return {
        "template": "core/cards/figures.html",
        "title": _("Incentives, %(year)d") % {"year": year},
        "more_url": f"{reverse('incentives:overview')}?year={year}",
        "groups": [{"title": "", "items": items}],
    }

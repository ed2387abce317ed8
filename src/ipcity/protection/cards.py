"""The home-dashboard card of protection: this year's headline case figures, each linking to the
filtered case list behind it (stats.headline), for holders of protection.summary_case only."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core.dashboard import register_card

from . import stats

# Short labels for the card, by figure key.
LABELS = {
    "opened": gettext_lazy("Cases opened"),
    "closed": gettext_lazy("Cases closed"),
    "open_now": gettext_lazy("Open cases"),
    "overdue_now": gettext_lazy("Overdue cases"),
    "transferred": gettext_lazy("Transferred to police"),
    "fines": gettext_lazy("Fines (10k yuan)"),
}


@register_card(order=40)
def protection_card(request):
    user = request.user
    if not stats.can_view(user):
        return None
    year = timezone.localdate().year
    return {
        "template": "core/cards/figures.html",
        "title": _("Protection, %(year)d") % {"year": year},
        "more_url": f"{reverse('protection:overview')}?year={year}",
        "groups": [
            {
                "title": "",
                "items": [
                    {
                        "label": str(LABELS.get(figure.key, figure.label)),
                        "value": figure.wan if figure.kind == "yuan" else figure.text,
                        "url": figure.url,
                    }
                    for figure in stats.headline(user, year)
                ],
            }
        ],
    }

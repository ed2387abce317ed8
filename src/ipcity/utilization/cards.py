"""The home-dashboard card of utilization: this year's headline figures, each linking to the
filtered list behind it (stats.headline), restricted to what the reader may view."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core.dashboard import register_card

from . import stats

# Short labels for the card, by figure key (the overview's own labels name the year).
LABELS = {
    "designations_current": gettext_lazy("Designations in force"),
    "certificates_valid": gettext_lazy("Valid GB/T 29490 certificates"),
    "transactions": gettext_lazy("Transfers and licences"),
    "pledge_amount": gettext_lazy("Pledge amount (10k yuan)"),
    "insured_amount": gettext_lazy("Insured amount (10k yuan)"),
    "open_alerts": gettext_lazy("Open risk alerts"),
}


@register_card(order=30)
def utilization_card(request):
    user = request.user
    if not stats.can_view_any(user):
        return None
    year = timezone.localdate().year
    figures = stats.headline(user, year)
    return {
        "template": "core/cards/figures.html",
        "title": _("Utilization, %(year)d") % {"year": year},
        "more_url": f"{reverse('utilization:overview')}?year={year}",
        "groups": [
            {
                "title": "",
                "items": [
                    {
                        "label": str(LABELS.get(figure.key, figure.label)),
                        "value": figure.text,
                        "url": figure.url,
                    }
                    for figure in figures
                ],
            }
        ],
    }

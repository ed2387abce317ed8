"""The home-dashboard card of the service mechanism: this year's requests, the share answered
in time, the average satisfaction, publicity events, people reached and training hours, each
linking to the list behind it (stats.card_figures); only for readers of service requests or
events."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core.dashboard import register_card

from . import stats

LABELS = {
    "requests_total": gettext_lazy("Service requests"),
    "requests_in_time_share": gettext_lazy("Answered in time"),
    "requests_satisfaction": gettext_lazy("Satisfaction (1-5)"),
    "events_total": gettext_lazy("Publicity events"),
    "events_reach": gettext_lazy("People reached"),
    "courses_hours": gettext_lazy("Training hours"),
}


@register_card(order=50)
def services_card(request):
    user = request.user
    if not stats.can_view(user):
        return None
    year = timezone.localdate().year
    return {
        "template": "core/cards/figures.html",
        "title": _("Services, %(year)d") % {"year": year},
        "more_url": f"{reverse('services:overview')}?year={year}",
        "groups": [
            {
                "title": "",
                "items": [
                    {
                        "label": str(LABELS.get(figure.key, figure.label)),
                        "value": figure.text,
                        "url": figure.url,
                    }
                    for figure in stats.card_figures(user, year)
                ],
            }
        ],
    }

"""An enterprise's IP profile: its rights by type, its filing trend, high-value patents and
recent legal events. Visible to whoever may see the organization itself."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from ipcity.core.scope import has_perm
from ipcity.orgs.models import Organization

from ..choices import CopyrightKind, PatentStatus, PatentType
from ..models import (
    Copyright,
    GeographicalIndication,
    LegalEvent,
    Patent,
    PlantVarietyRight,
    Trademark,
)

RECENT_EVENTS = 10


def _url(name: str, **params) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


def profile_data(user, org) -> dict:
    """Counts, trend and events for `org`, each count read through the user's own scope."""
    patents = Patent.objects.restrict(user, "view").filter(holder_links__organization=org)
    type_labels = dict(PatentType.choices)
    by_type = dict(
        patents.values("patent_type").annotate(n=Count("pk")).values_list("patent_type", "n")
    )
    valid_by_type = dict(
        patents.filter(legal_status=PatentStatus.VALID)
        .values("patent_type")
        .annotate(n=Count("pk"))
        .values_list("patent_type", "n")
    )
    rights = []
    for value, label in PatentType.choices:
        rights.append(
            {
                "label": label,
                "count": by_type.get(value, 0),
                "valid": valid_by_type.get(value, 0),
                "is_patent": True,
                "url": _url("rights:patent_list", holder=org.pk, patent_type=value),
            }
        )
    trademarks = Trademark.objects.restrict(user, "view").filter(holder=org)
    rights.append(
        {
            "label": _("Trademarks"),
            "count": trademarks.count(),
            "url": _url("rights:trademark_list", holder=org.pk),
        }
    )
    copyrights = dict(
        Copyright.objects.restrict(user, "view")
        .filter(holder=org)
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    for value, label in CopyrightKind.choices:
        rights.append(
            {
                "label": _("Copyrights: %(kind)s") % {"kind": label},
                "count": copyrights.get(value, 0),
                "url": _url("rights:copyright_list", holder=org.pk, kind=value),
            }
        )
    rights.append(
        {
            "label": _("Plant variety rights"),
            "count": PlantVarietyRight.objects.restrict(user, "view").filter(holder=org).count(),
            "url": _url("rights:pvr_list", holder=org.pk),
        }
    )
    rights.append(
        {
            "label": _("Geographical indications"),
            "count": GeographicalIndication.objects.restrict(user, "view")
            .filter(applicant=org)
            .count(),
            "url": _url("rights:gi_list", holder=org.pk),
        }
    )

    trend_rows = (
        patents.filter(filing_date__isnull=False)
        .values_list("filing_date__year", "patent_type")
        .annotate(n=Count("pk"))
        .order_by("filing_date__year")
    )
    years = sorted({year for year, _type, _n in trend_rows})
    series = {value: [0] * len(years) for value in PatentType.values}
    for year, patent_type, n in trend_rows:
        series[patent_type][years.index(year)] = n
    trend = {
        "years": [str(y) for y in years],
        "series": [
            {"name": str(type_labels[value]), "data": series[value]} for value in PatentType.values
        ],
    }

    events = (
        LegalEvent.objects.restrict(user, "view")
        .filter(patent__holder_links__organization=org)
        .select_related("patent")
        .order_by("-date", "-pk")[:RECENT_EVENTS]
    )
    return {
        "rights": rights,
        "patent_total": sum(by_type.values()),
        "high_value_count": patents.filter(is_high_value=True).count(),
        "high_value_url": _url("rights:patent_list", holder=org.pk, high_value="true"),
        "trend": trend,
        "events": events,
    }


@login_required
def profile(request, org_id):
    org = get_object_or_404(
        Organization.objects.restrict(request.user, "view").select_related("region"), pk=org_id
    )
    context = {
        "object": org,
        "can_view_patents": has_perm(request.user, Patent, "view"),
        **profile_data(request.user, org),
    }
    return render(request, "rights/profile.html", context)


urlpatterns = [
    path("profile/<int:org_id>/", profile, name="profile"),
]

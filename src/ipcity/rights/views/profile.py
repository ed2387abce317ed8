"""An enterprise's IP profile: its rights by type, its filing trend, high-value patents and
recent legal events. Visible to whoever may see the organization itself."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Value
from django.db.models.query import EmptyQuerySet
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


def _patent_counts(patents) -> list[tuple]:
    """(filing year or None, type, patents, valid ones, high-value ones): every patent count of
    the profile in one grouped query."""
    return list(
        patents.values_list("filing_date__year", "patent_type")
        .annotate(
            n=Count("pk"),
            valid=Count("pk", filter=Q(legal_status=PatentStatus.VALID)),
            high=Count("pk", filter=Q(is_high_value=True)),
        )
        .order_by()
    )


def _counted(queryset, key: str | None = None):
    """(key, rows) pairs: one under `key`, or one per value of `kind` without it."""
    if key is None:
        return queryset.values_list("kind").annotate(n=Count("pk"))
    return queryset.annotate(key=Value(key)).values_list("key").annotate(n=Count("pk"))


def _other_counts(user, org) -> dict[str, int]:
    """The counts of the other rights in one query: "#trademark", "#pvr", "#gi" and each
    copyright kind, each read through the user's scope of its own model."""
    parts = [
        _counted(Trademark.objects.restrict(user, "view").filter(holder=org), "#trademark"),
        _counted(Copyright.objects.restrict(user, "view").filter(holder=org)),
        _counted(PlantVarietyRight.objects.restrict(user, "view").filter(holder=org), "#pvr"),
        _counted(
            GeographicalIndication.objects.restrict(user, "view").filter(applicant=org), "#gi"
        ),
    ]
    shown = [part.order_by() for part in parts if not isinstance(part, EmptyQuerySet)]
    if not shown:
        return {}
    return dict(shown[0].union(*shown[1:], all=True))


def profile_data(user, org) -> dict:
    """Counts, trend and events for `org`, each count read through the user's own scope."""
    patents = Patent.objects.restrict(user, "view").filter(holder_links__organization=org)
    type_labels = dict(PatentType.choices)
    counts = _patent_counts(patents)
    by_type: dict[str, int] = {}
    valid_by_type: dict[str, int] = {}
    for _year, patent_type, n, valid, _high in counts:
        by_type[patent_type] = by_type.get(patent_type, 0) + n
        valid_by_type[patent_type] = valid_by_type.get(patent_type, 0) + valid
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
    others = _other_counts(user, org)
    rights.append(
        {
            "label": _("Trademarks"),
            "count": others.get("#trademark", 0),
            "url": _url("rights:trademark_list", holder=org.pk),
        }
    )
    for value, label in CopyrightKind.choices:
        rights.append(
            {
                "label": _("Copyrights: %(kind)s") % {"kind": label},
                "count": others.get(value, 0),
                "url": _url("rights:copyright_list", holder=org.pk, kind=value),
            }
        )
    rights.append(
        {
            "label": _("Plant variety rights"),
            "count": others.get("#pvr", 0),
            "url": _url("rights:pvr_list", holder=org.pk),
        }
    )
    rights.append(
        {
            "label": _("Geographical indications"),
            "count": others.get("#gi", 0),
            "url": _url("rights:gi_list", holder=org.pk),
        }
    )

    years = sorted({year for year, *_rest in counts if year is not None})
    series = {value: [0] * len(years) for value in PatentType.values}
    for year, patent_type, n, _valid, _high in counts:
        if year is not None:
            series[patent_type][years.index(year)] += n
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
        "high_value_count": sum(row[4] for row in counts),
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

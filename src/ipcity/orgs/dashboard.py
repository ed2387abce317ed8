"""The organizations card on the home dashboard, and the menu entries."""

from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ipcity.core import menu
from ipcity.core.dashboard import register_card
from ipcity.core.scope import has_perm

from .choices import OrganizationKind, RegionKind
from .models import Organization

menu.register(
    "system",
    _("Organizations"),
    "orgs:organization_list",
    "orgs.view_organization",
    order=10,
    icon="building",
)
menu.register(
    "system", _("Regions"), "orgs:region_list", "orgs.view_region", order=20, icon="geo-alt"
)


@register_card(order=10)
def organizations_card(request):
    user = request.user
    if not has_perm(user, Organization, "view"):
        return None
    list_url = reverse("orgs:organization_list")
    visible = Organization.objects.restrict(user, "view").filter(is_active=True)
    labels = dict(OrganizationKind.choices)
    by_kind = [
        {
            "label": labels.get(row["kind"], row["kind"]),
            "value": row["n"],
            "url": f"{list_url}?{urlencode({'kind': row['kind'], 'is_active': 'true'})}",
        }
        for row in visible.values("kind").annotate(n=Count("pk")).order_by("-n")
    ]
    streets = (
        visible.filter(
            kind=OrganizationKind.ENTERPRISE,
            region__kind__in=[
                RegionKind.STREET,
                RegionKind.TOWN,
                RegionKind.TOWNSHIP,
                RegionKind.ETHNIC_TOWNSHIP,
            ],
        )
        .values("region", "region__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "region__name")[:12]
    )
    by_street = [
        {
            "label": row["region__name"],
            "value": row["n"],
            "url": f"{list_url}?"
            + urlencode(
                {"kind": OrganizationKind.ENTERPRISE, "region": row["region"], "is_active": "true"}
            ),
        }
        for row in streets
    ]
    return {
        "template": "core/cards/figures.html",
        "title": _("Organizations"),
        "more_url": list_url,
        "groups": [
            {"title": _("By kind"), "items": by_kind},
            {"title": _("Enterprises by street or town"), "items": by_street},
        ],
    }

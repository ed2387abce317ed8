"""What an organization or region list exports: the columns a user sees, plus contact data."""

from ipcity.core.exports import ExportSpec

from .filters import OrganizationFilterSet, RegionFilterSet
from .models import Organization, Region

ORGANIZATION_EXPORT = ExportSpec(
    model=Organization,
    path="ipcity.orgs.exports.ORGANIZATION_EXPORT",
    filterset_class=OrganizationFilterSet,
    select_related=("region", "parent"),
    fields=[
        "name",
        "short_name",
        "kind",
        "uscc",
        "uscc_warning",
        "region.name",
        "address",
        "industry",
        "parent.name",
        "phone",
        "email",
        "website",
        "is_active",
    ],
    headers={
        "region.name": Organization._meta.get_field("region").verbose_name,
        "parent.name": Organization._meta.get_field("parent").verbose_name,
    },
)

REGION_EXPORT = ExportSpec(
    model=Region,
    path="ipcity.orgs.exports.REGION_EXPORT",
    filterset_class=RegionFilterSet,
    select_related=("parent",),
    fields=["code", "name", "kind", "parent.name", "source"],
    headers={"parent.name": Region._meta.get_field("parent").verbose_name},
)

"""What the marketplace lists export: the columns a user sees, plus the fields behind them."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ipcity.core.exports import ExportSpec

from ..filters.marketplace import (
    ContactRequestFilterSet,
    DemandListingFilterSet,
    SupplyListingFilterSet,
)
from ..models import ContactRequest, DemandListing, SupplyListing


@dataclass
class PrefetchingExportSpec(ExportSpec):
    """An ExportSpec whose rows read many-valued relations (an offer's patents) from one
    prefetch per chunk instead of one query per row."""

    prefetch_related: tuple[str, ...] = ()

    def queryset(self, user, params):
        qs = super().queryset(user, params)
        return qs.prefetch_related(*self.prefetch_related) if self.prefetch_related else qs


def _label(model, field):
    return model._meta.get_field(field).verbose_name


SUPPLY_LISTING_EXPORT = PrefetchingExportSpec(
    model=SupplyListing,
    path="ipcity.utilization.exports.marketplace.SUPPLY_LISTING_EXPORT",
    filterset_class=SupplyListingFilterSet,
    select_related=("owner",),
    prefetch_related=("patents",),
    fields=[
        "title",
        "owner.name",
        "patent_numbers",
        "kinds_display",
        "ipc_codes",
        "keywords",
        "asking_price",
        "status",
        "published_at",
        "closed_at",
        "description",
    ],
    headers={
        "owner.name": _label(SupplyListing, "owner"),
        "patent_numbers": _("Patents (application numbers)"),
        "kinds_display": _label(SupplyListing, "kinds"),
    },
)

DEMAND_LISTING_EXPORT = ExportSpec(
    model=DemandListing,
    path="ipcity.utilization.exports.marketplace.DEMAND_LISTING_EXPORT",
    filterset_class=DemandListingFilterSet,
    select_related=("owner",),
    fields=[
        "title",
        "owner.name",
        "kinds_display",
        "ipc_codes",
        "keywords",
        "budget",
        "status",
        "published_at",
        "closed_at",
        "description",
    ],
    headers={
        "owner.name": _label(DemandListing, "owner"),
        "kinds_display": _label(DemandListing, "kinds"),
    },
)

CONTACT_REQUEST_EXPORT = ExportSpec(
    model=ContactRequest,
    path="ipcity.utilization.exports.marketplace.CONTACT_REQUEST_EXPORT",
    filterset_class=ContactRequestFilterSet,
    select_related=(
        "requester",
        "supply_listing__owner",
        "demand_listing__owner",
        "transaction",
    ),
    fields=[
        "created_at",
        "requester.name",
        "supply_listing.title",
        "supply_listing.owner.name",
        "demand_listing.title",
        "demand_listing.owner.name",
        "status",
        "message",
        "reply",
        "answered_at",
        "transaction",
    ],
    headers={
        "requester.name": _label(ContactRequest, "requester"),
        "supply_listing.title": _label(ContactRequest, "supply_listing"),
        "supply_listing.owner.name": _label(SupplyListing, "owner"),
        "demand_listing.title": _label(ContactRequest, "demand_listing"),
        "demand_listing.owner.name": _label(DemandListing, "owner"),
    },
)

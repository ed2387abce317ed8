"""Builders for marketplace tests (no tests here): listings written as a page would leave them,
with their search text, and a contact request."""

import datetime

from django.utils import timezone

from ipcity.utilization.listings import refresh_search_text
from ipcity.utilization.matching import ipc_from_patents, normalize_ipc_codes
from ipcity.utilization.models import ContactRequest, DemandListing, SupplyListing

from ..rights.registry_builders import make_patent


def _listing(model, owner, title, status, ipc, kinds, published_at=None, **fields):
    listing = model(
        owner=owner,
        title=title,
        status=status,
        ipc_codes=normalize_ipc_codes(ipc)[0],
        kinds=list(kinds),
        **fields,
    )
    if status != "draft":
        listing.published_at = published_at or timezone.now()
    listing.save()
    return listing


def make_offer(
    owner,
    title="一种图像识别方法及装置",
    *,
    status="published",
    ipc="",
    kinds=("exclusive", "ordinary"),
    patents=(),
    **fields,
) -> SupplyListing:
    if patents and not ipc:
        ipc = ipc_from_patents(patents)
    listing = _listing(SupplyListing, owner, title, status, ipc, kinds, **fields)
    if patents:
        listing.patents.set(patents)
    refresh_search_text(listing)
    return listing


def make_need(
    owner,
    title="寻求图像识别技术",
    *,
    status="published",
    ipc="",
    kinds=("ordinary",),
    **fields,
) -> DemandListing:
    listing = _listing(DemandListing, owner, title, status, ipc, kinds, **fields)
    refresh_search_text(listing)
    return listing


def make_contact(requester, listing, message="我们希望洽谈合作。", about=None, **fields):
    target = "supply_listing" if isinstance(listing, SupplyListing) else "demand_listing"
    other = "demand_listing" if target == "supply_listing" else "supply_listing"
    values = {target: listing}
    if about is not None:
        values[other] = about
    return ContactRequest.objects.create(requester=requester, message=message, **values, **fields)


def held_patent(holder, title="一种基于深度学习的图像识别方法", **fields):
    fields.setdefault("main_ipc", "G06V10/82")
    fields.setdefault("ipc_codes", "G06V10/82;G06N3/08")
    fields.setdefault("filing_date", datetime.date(2021, 3, 1))
    return make_patent(title, holders=[holder], **fields)

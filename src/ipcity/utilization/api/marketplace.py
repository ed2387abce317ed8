"""The marketplace over HTTP: offers and needs (list, detail, create, change, publish, close,
matches), contact requests (list, detail, create, answer, decline, conclude).

Reads go through `restrict(user, "view")`, so an object outside the caller's scope is a 404;
changes go through `utilization.listings`, which answers 403 for what the caller may not change
and 422 for what cannot be done (a closed listing contacted, a request concluded twice).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.rights.models import Patent

from .. import listings, matching
from ..filters.marketplace import (
    ContactRequestFilterSet,
    DemandListingFilterSet,
    SupplyListingFilterSet,
)
from ..forms.marketplace import ConcludeForm
from ..models import ContactRequest, DemandListing, SupplyListing
from ..schemas.marketplace import (
    ConcludeIn,
    ContactRequestFilters,
    ContactRequestIn,
    ContactRequestOut,
    ContactRequestPage,
    DemandListingIn,
    DemandListingOut,
    DemandListingPage,
    DemandListingPatch,
    ListingFilters,
    MatchList,
    MatchParams,
    ReplyIn,
    SupplyListingIn,
    SupplyListingOut,
    SupplyListingPage,
    SupplyListingPatch,
)

router = Router(tags=["utilization"])


def _offers(request, action="view"):
    return (
        SupplyListing.objects.restrict(request.auth, action)
        .select_related("owner")
        .prefetch_related(
            Prefetch("patents", queryset=Patent.objects.only("id", "application_number", "title"))
        )
    )


def _needs(request, action="view"):
    return DemandListing.objects.restrict(request.auth, action).select_related("owner")


def _form_data(values: dict) -> dict:
    """Schema values as listing form data: choices as values, lists kept, null as empty."""
    data = {}
    for name, value in values.items():
        if name == "publish":
            continue
        if value is None:
            data[name] = ""
        elif name == "kinds":
            data[name] = [getattr(v, "value", v) for v in value]
        elif name == "patents":
            data[name] = " ".join(value)
        else:
            data[name] = getattr(value, "value", value)
    return data


def _create(request, model, payload):
    data = _form_data(payload.dict())
    if not data.get("owner"):
        data["owner"] = getattr(request.auth, "organization_id", None) or ""
    return listings.create_listing(request.auth, model, data, publish_now=payload.publish)


def _matches(request, listing, top: int) -> dict:
    found = matching.matches(listing, request.auth, top=top)
    return {
        "results": [{"score": m.score, "reasons": m.reasons, "listing": m.listing} for m in found]
    }


# -- offers ----------------------------------------------------------------------------------


@router.get(
    "/offers/",
    response=_responses(200, SupplyListingPage),
    summary="List technology offers",
    description="Published and closed offers of everyone and the caller's own drafts; filters as "
    "on the offer list page.",
    operation_id="utilization_offer_list",
)
def offer_list(request, filters: Query[ListingFilters]):
    queryset = apply_filterset(
        SupplyListingFilterSet, filters, _offers(request), request.auth
    ).order_by("-published_at", "-pk")
    return paginate(queryset, filters.limit, filters.offset)


@router.get(
    "/offers/{int:listing_id}/",
    response=_responses(200, SupplyListingOut),
    summary="Get a technology offer",
    operation_id="utilization_offer_detail",
)
def offer_detail(request, listing_id: ObjectId):
    return get_object_or_404(_offers(request), pk=listing_id)


@router.post(
    "/offers/",
    response=_responses(201, SupplyListingOut),
    summary="Create a technology offer",
    description="A draft unless `publish` is true. Patents are named by application number and "
    "must be held by the owner (the office may offer any).",
    operation_id="utilization_offer_create",
)
def offer_create(request, payload: SupplyListingIn):
    listing = _create(request, SupplyListing, payload)
    return Status(201, _offers(request).get(pk=listing.pk))


@router.patch(
    "/offers/{int:listing_id}/",
    response=_responses(200, SupplyListingOut),
    summary="Change a technology offer",
    description="Only the fields sent are changed; `patents`, when sent, replaces the list.",
    operation_id="utilization_offer_update",
)
def offer_update(request, listing_id: ObjectId, payload: SupplyListingPatch):
    listing = get_object_or_404(_offers(request), pk=listing_id)
    listings.update_listing(request.auth, listing, _form_data(payload.dict(exclude_unset=True)))
    return _offers(request).get(pk=listing.pk)


@router.post(
    "/offers/{int:listing_id}/publish/",
    response=_responses(200, SupplyListingOut),
    summary="Publish a draft or closed offer",
    operation_id="utilization_offer_publish",
)
def offer_publish(request, listing_id: ObjectId):
    listings.publish(request.auth, get_object_or_404(_offers(request), pk=listing_id))
    return _offers(request).get(pk=listing_id)


@router.post(
    "/offers/{int:listing_id}/close/",
    response=_responses(200, SupplyListingOut),
    summary="Close a published offer",
    operation_id="utilization_offer_close",
)
def offer_close(request, listing_id: ObjectId):
    listings.close(request.auth, get_object_or_404(_offers(request), pk=listing_id))
    return _offers(request).get(pk=listing_id)


@router.get(
    "/offers/{int:listing_id}/matches/",
    response=_responses(200, MatchList),
    summary="Published needs matching an offer",
    description="Best first, each with its score (0-100) and the reasons: shared IPC codes, "
    "common words, compatible transaction kinds.",
    operation_id="utilization_offer_matches",
)
def offer_matches(request, listing_id: ObjectId, params: Query[MatchParams]):
    return _matches(request, get_object_or_404(_offers(request), pk=listing_id), params.top)


# -- needs -----------------------------------------------------------------------------------


@router.get(
    "/needs/",
    response=_responses(200, DemandListingPage),
    summary="List technology needs",
    description="Published and closed needs of everyone and the caller's own drafts; filters as "
    "on the need list page.",
    operation_id="utilization_need_list",
)
def need_list(request, filters: Query[ListingFilters]):
    queryset = apply_filterset(
        DemandListingFilterSet, filters, _needs(request), request.auth
    ).order_by("-published_at", "-pk")
    return paginate(queryset, filters.limit, filters.offset)


@router.get(
    "/needs/{int:listing_id}/",
    response=_responses(200, DemandListingOut),
    summary="Get a technology need",
    operation_id="utilization_need_detail",
)
def need_detail(request, listing_id: ObjectId):
    return get_object_or_404(_needs(request), pk=listing_id)


@router.post(
    "/needs/",
    response=_responses(201, DemandListingOut),
    summary="Create a technology need",
    description="A draft unless `publish` is true.",
    operation_id="utilization_need_create",
)
def need_create(request, payload: DemandListingIn):
    listing = _create(request, DemandListing, payload)
    return Status(201, _needs(request).get(pk=listing.pk))


@router.patch(
    "/needs/{int:listing_id}/",
    response=_responses(200, DemandListingOut),
    summary="Change a technology need",
    description="Only the fields sent are changed.",
    operation_id="utilization_need_update",
)
def need_update(request, listing_id: ObjectId, payload: DemandListingPatch):
    listing = get_object_or_404(_needs(request), pk=listing_id)
    listings.update_listing(request.auth, listing, _form_data(payload.dict(exclude_unset=True)))
    return _needs(request).get(pk=listing.pk)


@router.post(
    "/needs/{int:listing_id}/publish/",
    response=_responses(200, DemandListingOut),
    summary="Publish a draft or closed need",
    operation_id="utilization_need_publish",
)
def need_publish(request, listing_id: ObjectId):
    listings.publish(request.auth, get_object_or_404(_needs(request), pk=listing_id))
    return _needs(request).get(pk=listing_id)


@router.post(
    "/needs/{int:listing_id}/close/",
    response=_responses(200, DemandListingOut),
    summary="Close a published need",
    operation_id="utilization_need_close",
)
def need_close(request, listing_id: ObjectId):
    listings.close(request.auth, get_object_or_404(_needs(request), pk=listing_id))
    return _needs(request).get(pk=listing_id)


@router.get(
    "/needs/{int:listing_id}/matches/",
    response=_responses(200, MatchList),
    summary="Published offers matching a need",
    description="Best first, each with its score (0-100) and the reasons: shared IPC codes, "
    "common words, compatible transaction kinds.",
    operation_id="utilization_need_matches",
)
def need_matches(request, listing_id: ObjectId, params: Query[MatchParams]):
    return _matches(request, get_object_or_404(_needs(request), pk=listing_id), params.top)


# -- contact requests --------------------------------------------------------------------------


def _contacts(request):
    return ContactRequest.objects.restrict(request.auth, "view").select_related(
        "requester", "supply_listing__owner", "demand_listing__owner"
    )


def _contact(request, contact_id) -> ContactRequest:
    return get_object_or_404(_contacts(request), pk=contact_id)


@router.get(
    "/contact-requests/",
    response=_responses(200, ContactRequestPage),
    summary="List contact requests",
    description="Requests the caller's organization sent or received (the office sees all).",
    operation_id="utilization_contactrequest_list",
)
def contact_list(request, filters: Query[ContactRequestFilters]):
    queryset = apply_filterset(
        ContactRequestFilterSet, filters, _contacts(request), request.auth
    ).order_by("-created_at", "-pk")
    return paginate(queryset, filters.limit, filters.offset)


@router.get(
    "/contact-requests/{int:contact_id}/",
    response=_responses(200, ContactRequestOut),
    summary="Get a contact request",
    operation_id="utilization_contactrequest_detail",
)
def contact_detail(request, contact_id: ObjectId):
    return _contact(request, contact_id)


@router.post(
    "/contact-requests/",
    response=_responses(201, ContactRequestOut),
    summary="Send a contact request about a published offer or need",
    description="Name exactly one of `offer` and `need`.",
    operation_id="utilization_contactrequest_create",
)
def contact_create(request, payload: ContactRequestIn):
    if (payload.offer is None) == (payload.need is None):
        raise ValidationError({"__all__": [_("Name exactly one of offer and need.")]})
    if payload.offer is not None:
        listing = get_object_or_404(_offers(request), pk=payload.offer)
        other = DemandListing
    else:
        listing = get_object_or_404(_needs(request), pk=payload.need)
        other = SupplyListing
    about = None
    if payload.about is not None:
        about = other.objects.restrict(request.auth, "change").filter(pk=payload.about).first()
        if about is None:
            raise ValidationError(
                {"about": [_("Attach one of your own listings of the other kind.")]}
            )
    contact = listings.contact(request.auth, listing, payload.message, about)
    return Status(201, _contact(request, contact.pk))


@router.post(
    "/contact-requests/{int:contact_id}/answer/",
    response=_responses(200, ContactRequestOut),
    summary="Answer a contact request (the listing's owner)",
    operation_id="utilization_contactrequest_answer",
)
def contact_answer(request, contact_id: ObjectId, payload: ReplyIn):
    listings.answer(request.auth, _contact(request, contact_id), payload.reply)
    return _contact(request, contact_id)


@router.post(
    "/contact-requests/{int:contact_id}/decline/",
    response=_responses(200, ContactRequestOut),
    summary="Decline a contact request (the listing's owner)",
    operation_id="utilization_contactrequest_decline",
)
def contact_decline(request, contact_id: ObjectId, payload: ReplyIn):
    listings.decline(request.auth, _contact(request, contact_id), payload.reply)
    return _contact(request, contact_id)


@router.post(
    "/contact-requests/{int:contact_id}/conclude/",
    response=_responses(200, ContactRequestOut),
    summary="Record the transaction a contact request led to",
    description="Once the request is answered, the assignor or licensor (the offer's owner, or "
    "the requester answering a need without an offer) or the office records it, once: the "
    "transaction (origin marketplace) is linked to the request and its listings; a second call "
    "answers 422. The kind must be one both listings accept; the patents (the offer's by "
    "default) must be held by the assignor or licensor.",
    operation_id="utilization_contactrequest_conclude",
)
def contact_conclude(request, contact_id: ObjectId, payload: ConcludeIn):
    contact = _contact(request, contact_id)
    listings.check_conclude(request.auth, contact)
    assignor, _assignee = listings.parties(contact)
    values = payload.dict()
    if values["patents"] is None:
        offer = contact.supply_listing
        values["patents"] = (
            list(offer.patents.values_list("application_number", flat=True)) if offer else []
        )
    data = {
        name: ("" if value is None else value)
        for name, value in values.items()
        if name != "patents"
    }
    data["kind"] = payload.kind.value
    data["patents"] = " ".join(values["patents"])
    form = ConcludeForm(data=data, contact=contact, user=request.auth, assignor=assignor)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    listings.conclude(request.auth, contact, **form.cleaned_data)
    return _contact(request, contact_id)

"""Leads over HTTP: list (the page's filters), detail, create (staff), decide, route.

Reads go through `restrict(user, "view")` (404 outside the caller's scope); actions go through
`protection.leads`, which answers 403 for what the caller may not change or decide."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.core.scope import has_perm
from ipcity.orgs.models import Organization

from .. import clocks, leads
from ..filters.leads import LeadFilterSet
from ..models import Lead, LeadAttachment
from ..schemas.leads import DecideIn, DecideOut, LeadFilters, LeadIn, LeadOut, LeadPage, RouteIn

router = Router(tags=["protection"])


def _leads(user, action="view"):
    return (
        Lead.objects.restrict(user, action)
        .select_related("agency", "referred_by", "case")
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=LeadAttachment.objects.restrict(user, "view").order_by("pk"),
                to_attr="visible_attachments",
            )
        )
    )


def _one(user, pk) -> Lead:
    return get_object_or_404(_leads(user), pk=pk)


def _agency(pk) -> Organization:
    org = Organization.objects.filter(pk=pk, agency__isnull=False).first()
    if org is None:
        raise ValidationError({"agency": [_("No enforcement agency with this id.")]})
    return org


@router.get(
    "/leads/",
    response=_responses(200, LeadPage),
    summary="List leads",
    description="Filters as on the lead list page: agency, status, source, right_type, "
    "received_after, received_before, overdue, q.",
    operation_id="protection_lead_list",
)
def lead_list(request, filters: Query[LeadFilters]):
    if not has_perm(request.auth, Lead, "view"):
        raise PermissionDenied
    queryset = apply_filterset(LeadFilterSet, filters, _leads(request.auth), request.auth)
    return paginate(queryset.order_by("-received_on", "-pk"), filters.limit, filters.offset)


@router.get(
    "/leads/{int:lead_id}/",
    response=_responses(200, LeadOut),
    summary="Get a lead",
    operation_id="protection_lead_detail",
)
def lead_detail(request, lead_id: ObjectId):
    return _one(request.auth, lead_id)


@router.post(
    "/leads/",
    response=_responses(201, LeadOut),
    summary="Record a lead",
    description="A lead recorded by staff (inspection, referral letter, service request). "
    "The decision is due after the clock `lead_decision` (data/clocks.json, "
    f"{clocks.get('lead_decision').amount} {clocks.get('lead_decision').unit}) from "
    "`received_on`. Attachments are added on the lead's page.",
    operation_id="protection_lead_create",
)
def lead_create(request, payload: LeadIn):
    user = request.auth
    if not has_perm(user, Lead, "add"):
        raise PermissionDenied(_("You may not record leads."))
    values = payload.dict()
    agency = values.pop("agency")
    lead = leads.create_lead(
        user,
        source=values.pop("source"),
        received_on=values.pop("received_on"),
        agency=_agency(agency) if agency else None,
        **values,
    )
    return Status(201, _one(user, lead.pk))


@router.post(
    "/leads/{int:lead_id}/decide/",
    response=_responses(200, DecideOut),
    summary="Decide whether to open a case",
    description="`open` opens a case for the handling agency (title required); `not_open` "
    "records the decision with its reason (required); the office may record `not_open` on an "
    "unrouted lead (a routed lead is decided by its agency).",
    operation_id="protection_lead_decide",
)
def lead_decide(request, lead_id: ObjectId, payload: DecideIn):
    user = request.auth
    lead = _one(user, lead_id)
    if not leads.can_change(user, lead):
        raise PermissionDenied(_("You may not change this lead."))
    case = None
    if payload.decision == "open":
        case = leads.decide_open(
            user,
            lead,
            title=payload.title,
            right_type=(payload.right_type or lead.right_type),
            note=payload.reason,
            public_reply=payload.public_reply,
        )
    else:
        leads.decide_not_open(user, lead, payload.reason, public_reply=payload.public_reply)
    return {"lead": _one(user, lead_id), "case": case.pk if case else None}


@router.post(
    "/leads/{int:lead_id}/route/",
    response=_responses(200, LeadOut),
    summary="Route or refer a lead",
    description="The office routes an unrouted lead to an agency, or routes again a lead nobody "
    "has started verifying; the handling agency refers a lead on to another agency (status "
    "referred, the decision clock restarts from the referral date). Targets are administrative "
    "enforcement agencies, not the police, the procuratorate or the court.",
    operation_id="protection_lead_route",
)
def lead_route(request, lead_id: ObjectId, payload: RouteIn):
    user = request.auth
    lead = _one(user, lead_id)
    if not leads.can_change(user, lead):
        raise PermissionDenied(_("You may not change this lead."))
    leads.route(user, lead, _agency(payload.agency), payload.note)
    return _one(user, lead_id)

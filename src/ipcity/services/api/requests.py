"""Service requests over HTTP: list (the page's filters), detail with the timeline, submit (a
signed-in requester for their organization) and the actions.

Reads go through `restrict(user, "view")` (404 outside the caller's scope); actions go through
`services.requests`, which answers 403 for what the caller may not do."""

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

from .. import requests as actions
from ..filters.requests import ServiceRequestFilterSet
from ..models import Institution, RequestAttachment, ServiceRequest
from ..schemas.requests import ActionIn, RequestDetailOut, RequestFilters, RequestIn, RequestPage

router = Router(tags=["services"])


def _requests(user):
    return ServiceRequest.objects.restrict(user, "view").select_related(
        "service_point__organization", "lead"
    )


def _one(user, pk) -> ServiceRequest:
    req = get_object_or_404(
        _requests(user)
        .select_related("requester")
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=RequestAttachment.objects.restrict(user, "view").order_by("pk"),
                to_attr="visible_attachments",
            ),
        ),
        pk=pk,
    )
    req.actions = actions.available_actions(user, req)
    req.visible_events = list(actions.visible_events(user, req))
    return req


def _point(pk) -> Institution:
    point = Institution.objects.select_related("organization").filter(pk=pk).first()
    if point is None:
        raise ValidationError({"point": [_("No service institution with this id.")]})
    return point


@router.get(
    "/requests/",
    response=_responses(200, RequestPage),
    summary="List service requests",
    description="Filters as on the request list page: kind, status, service_point, "
    "submitted_after, submitted_before, overdue, rated, handed_over, q.",
    operation_id="services_request_list",
)
def request_list(request, filters: Query[RequestFilters]):
    if not has_perm(request.auth, ServiceRequest, "view"):
        raise PermissionDenied
    queryset = apply_filterset(
        ServiceRequestFilterSet, filters, _requests(request.auth), request.auth
    )
    return paginate(queryset.order_by("-submitted_on", "-pk"), filters.limit, filters.offset)


@router.get(
    "/requests/{int:request_id}/",
    response=_responses(200, RequestDetailOut),
    summary="Get a service request",
    operation_id="services_request_detail",
)
def request_detail(request, request_id: ObjectId):
    return _one(request.auth, request_id)


@router.post(
    "/requests/",
    response=_responses(201, RequestDetailOut),
    summary="Submit a service request",
    description="For the caller's own organization. With a preferred point that offers the "
    "kind the request goes straight to it; otherwise the office routes it. The answer is due "
    "after the kind's response time in working days (data/response_times.json) from routing.",
    operation_id="services_request_create",
)
def request_create(request, payload: RequestIn):
    user = request.auth
    if not has_perm(user, ServiceRequest, "add"):
        raise PermissionDenied(_("You may not submit service requests."))
    if user.organization is None:
        raise PermissionDenied(_("Your account belongs to no organization."))
    values = payload.dict()
    preferred = values.pop("preferred_point")
    req = actions.submit_request(
        user,
        requester_name=user.organization.name,
        preferred_point=_point(preferred) if preferred else None,
        **values,
    )
    return Status(201, _one(user, req.pk))


@router.post(
    "/requests/{int:request_id}/actions/",
    response=_responses(200, RequestDetailOut),
    summary="Act on a service request",
    description="assign (the office; `point`), start, note (`text`, `public`), answer "
    "(`text`), decline (`text` = reason) by the service point; rate (`rating`, `text` = "
    "comment) and withdraw by the requester; close (the office); hand_over (`agency`, "
    "`right_type`) to protection.",
    operation_id="services_request_action",
)
def request_action(request, request_id: ObjectId, payload: ActionIn):
    user = request.auth
    req = _one(user, request_id)
    if not actions.can_change(user, req):
        raise PermissionDenied(_("You may not change this request."))
    name = payload.action
    if name == "assign":
        if payload.point is None:
            raise ValidationError({"point": [_("Choose a service point.")]})
        actions.assign(user, req, _point(payload.point), payload.text)
    elif name == "start":
        actions.start(user, req)
    elif name == "note":
        actions.add_note(user, req, payload.text, payload.public)
    elif name == "answer":
        actions.answer(user, req, payload.text)
    elif name == "decline":
        actions.decline(user, req, payload.text)
    elif name == "rate":
        actions.rate(user, req, payload.rating, payload.text)
    elif name == "withdraw":
        actions.withdraw(user, req, payload.text)
    elif name == "close":
        actions.close(user, req, payload.text)
    elif name == "hand_over":
        agency = None
        if payload.agency:
            agency = Organization.objects.filter(pk=payload.agency, agency__isnull=False).first()
            if agency is None:
                raise ValidationError({"agency": [_("No enforcement agency with this id.")]})
        actions.hand_over(user, req, agency, right_type=payload.right_type or "", note="")
    return _one(user, request_id)

"""Protection API: agencies, officers and their trainings.

Reads go through `restrict(user, "view")` (outside the caller's scope: 404); changes go through
`protection.officers`, which answers 403 for what the caller may not change."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.core.scope import has_perm
from ipcity.orgs.api import _form_data

from .. import officers, visibility
from ..filters.agencies import AgencyFilterSet, OfficerFilterSet
from ..models import Agency, Case, Officer, OfficerTraining
from ..schemas.agencies import (
    AgencyCountsOut,
    AgencyFilters,
    AgencyPage,
    OfficerFilters,
    OfficerIn,
    OfficerOut,
    OfficerPage,
    OfficerPatch,
    TrainingIn,
    TrainingOut,
)

router = Router(tags=["protection"])


def _agencies(request):
    if not has_perm(request.auth, Agency, "view"):
        raise PermissionDenied
    return Agency.objects.restrict(request.auth, "view").select_related("organization")


def _officers(request):
    return Officer.objects.restrict(request.auth, "view").select_related("organization")


@router.get(
    "/agencies/",
    response=_responses(200, AgencyPage),
    summary="List enforcement agencies",
    operation_id="protection_agency_list",
)
def agency_list(request, filters: Query[AgencyFilters]):
    queryset = apply_filterset(AgencyFilterSet, filters, _agencies(request), request.auth)
    return paginate(
        queryset.order_by("kind", "organization__name", "pk"), filters.limit, filters.offset
    )


@router.get(
    "/agencies/{int:agency_id}/",
    response=_responses(200, AgencyCountsOut),
    summary="Get an enforcement agency with its counts",
    operation_id="protection_agency_detail",
)
def agency_detail(request, agency_id: ObjectId):
    agency = get_object_or_404(_agencies(request), pk=agency_id)
    user = request.auth
    org = agency.organization
    on = officers.current_date()
    agency.open_cases = (
        visibility.listed_cases(user).filter(agency=org).filter(Case.open_q()).order_by().count()
    )
    agency.certified_officers = agency.expiring_certificates = None
    if has_perm(user, Officer, "view"):
        seen = Officer.objects.restrict(user, "view").filter(organization=org)
        agency.certified_officers = seen.filter(officers.certified_q(on)).count()
        agency.expiring_certificates = seen.filter(officers.expiring_q(on)).count()
    return agency


@router.get(
    "/officers/",
    response=_responses(200, OfficerPage),
    summary="List enforcement officers",
    description="Filters as on the officer list page.",
    operation_id="protection_officer_list",
)
def officer_list(request, filters: Query[OfficerFilters]):
    if not has_perm(request.auth, Officer, "view"):
        raise PermissionDenied
    queryset = apply_filterset(OfficerFilterSet, filters, _officers(request), request.auth)
    return paginate(
        queryset.order_by("organization__name", "name", "pk"), filters.limit, filters.offset
    )


@router.get(
    "/officers/{int:officer_id}/",
    response=_responses(200, OfficerOut),
    summary="Get an enforcement officer",
    operation_id="protection_officer_detail",
)
def officer_detail(request, officer_id: ObjectId):
    return get_object_or_404(_officers(request), pk=officer_id)


@router.post(
    "/officers/",
    response=_responses(201, OfficerOut),
    summary="Record an enforcement officer",
    operation_id="protection_officer_create",
)
def officer_create(request, payload: OfficerIn):
    if not has_perm(request.auth, Officer, "add"):
        raise PermissionDenied
    officer = officers.create_officer(request.auth, _form_data(payload.dict()))
    return Status(201, _officers(request).get(pk=officer.pk))


@router.patch(
    "/officers/{int:officer_id}/",
    response=_responses(200, OfficerOut),
    summary="Change an enforcement officer",
    description="Only the fields sent are changed.",
    operation_id="protection_officer_update",
)
def officer_update(request, officer_id: ObjectId, payload: OfficerPatch):
    officer = get_object_or_404(_officers(request), pk=officer_id)
    officer = officers.update_officer(
        request.auth, officer, _form_data(payload.dict(exclude_unset=True))
    )
    return _officers(request).get(pk=officer.pk)


@router.get(
    "/officers/{int:officer_id}/trainings/",
    response=_responses(200, list[TrainingOut]),
    summary="List the trainings of an officer",
    operation_id="protection_officer_training_list",
)
def training_list(request, officer_id: ObjectId):
    officer = get_object_or_404(_officers(request), pk=officer_id)
    return list(
        OfficerTraining.objects.restrict(request.auth, "view")
        .filter(officer=officer)
        .order_by("-attended_on", "-pk")
    )


@router.post(
    "/officers/{int:officer_id}/trainings/",
    response=_responses(201, TrainingOut),
    summary="Record a training of an officer",
    description="The officer's training_hours become the sum of the trainings.",
    operation_id="protection_officer_training_create",
)
def training_create(request, officer_id: ObjectId, payload: TrainingIn):
    officer = get_object_or_404(_officers(request), pk=officer_id)
    training = officers.add_training(request.auth, officer, _form_data(payload.dict()))
    return Status(201, training)


@router.delete(
    "/officers/{int:officer_id}/trainings/{int:training_id}/",
    response=_responses(204, None),
    summary="Delete a training of an officer",
    operation_id="protection_officer_training_delete",
)
def training_delete(request, officer_id: ObjectId, training_id: ObjectId):
    officer = get_object_or_404(_officers(request), pk=officer_id)
    training = get_object_or_404(
        OfficerTraining.objects.restrict(request.auth, "view"), pk=training_id, officer=officer
    )
    officers.delete_training(request.auth, training)
    return Status(204, None)

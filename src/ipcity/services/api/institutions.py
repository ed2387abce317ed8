"""Service institutions over HTTP: list (the directory page's filters), detail, create (the
office) and update (the office, or the institution's own users for their entry)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.core.scope import has_perm
from ipcity.orgs.models import Organization

from .. import institutions
from ..filters.institutions import InstitutionFilterSet
from ..models import Institution
from ..schemas.institutions import (
    InstitutionDetailOut,
    InstitutionFilters,
    InstitutionIn,
    InstitutionPage,
    InstitutionPatch,
)

router = Router(tags=["services"])


def _institutions(user):
    return (
        Institution.objects.restrict(user, "view")
        .select_related("organization")
        .prefetch_related("services")
    )


def _one(user, pk) -> Institution:
    return get_object_or_404(_institutions(user).prefetch_related("qualifications"), pk=pk)


@router.get(
    "/institutions/",
    response=_responses(200, InstitutionPage),
    summary="List service institutions",
    description="Filters as on the directory page: kind, service, accepts_requests, "
    "published, region, q.",
    operation_id="services_institution_list",
)
def institution_list(request, filters: Query[InstitutionFilters]):
    if not has_perm(request.auth, Institution, "view"):
        raise PermissionDenied
    queryset = apply_filterset(
        InstitutionFilterSet, filters, _institutions(request.auth), request.auth
    )
    return paginate(
        queryset.order_by("kind", "organization__name", "pk"), filters.limit, filters.offset
    )


@router.get(
    "/institutions/{int:institution_id}/",
    response=_responses(200, InstitutionDetailOut),
    summary="Get a service institution",
    operation_id="services_institution_detail",
)
def institution_detail(request, institution_id: ObjectId):
    return _one(request.auth, institution_id)


@router.post(
    "/institutions/",
    response=_responses(201, InstitutionDetailOut),
    summary="Add a service institution",
    operation_id="services_institution_create",
)
def institution_create(request, payload: InstitutionIn):
    user = request.auth
    if not institutions.is_office(user):
        raise PermissionDenied(_("You may not add service institutions."))
    values = payload.dict()
    services = values.pop("services")
    org = Organization.objects.filter(pk=values.pop("organization")).first()
    if org is None:
        raise ValidationError({"organization": [_("No organization with this id.")]})
    institution = Institution(organization=org, **values)
    institutions.save_institution(user, institution, services=services)
    return Status(201, _one(user, institution.pk))


@router.patch(
    "/institutions/{int:institution_id}/",
    response=_responses(200, InstitutionDetailOut),
    summary="Change a service institution",
    description="The institution's own users change their entry and services; only the office "
    "changes kind, accepts_requests, published and is_active.",
    operation_id="services_institution_update",
)
def institution_update(request, institution_id: ObjectId, payload: InstitutionPatch):
    user = request.auth
    institution = _one(user, institution_id)
    if not institutions.can_change(user, institution):
        raise PermissionDenied(_("You may not change this institution."))
    values = payload.dict(exclude_unset=True)
    services = values.pop("services", None)
    for name, value in values.items():
        if value is not None:
            setattr(institution, name, value)
    institutions.save_institution(user, institution, services=services)
    return _one(user, institution_id)

"""Organizations and regions over HTTP: list (with the UI's filters), detail, create, update.

Reads go through `restrict(user, "view")`, so an object outside the caller's scope is a 404;
changes go through `orgs.actions`, which answer 403 for what the caller sees but may not change.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.core.scope import has_perm

from . import actions
from .filters import OrganizationFilterSet, RegionFilterSet
from .forms import RegionForm
from .models import Organization, Region
from .schemas import (
    OrganizationFilters,
    OrganizationIn,
    OrganizationOut,
    OrganizationPage,
    OrganizationPatch,
    RegionFilters,
    RegionIn,
    RegionOut,
    RegionPage,
    RegionPatch,
)

router = Router(tags=["orgs"])


def _organizations(request, action="view"):
    return Organization.objects.restrict(request.auth, action).select_related("region", "parent")


def _regions(request, action="view"):
    return Region.objects.restrict(request.auth, action).select_related("parent")


@router.get(
    "/organizations/",
    response=_responses(200, OrganizationPage),
    summary="List organizations",
    operation_id="orgs_organization_list",
)
def organization_list(request, filters: Query[OrganizationFilters]):
    queryset = apply_filterset(
        OrganizationFilterSet, filters, _organizations(request), request.auth
    ).order_by("name", "pk")
    return paginate(queryset, filters.limit, filters.offset)


@router.get(
    "/organizations/{int:org_id}/",
    response=_responses(200, OrganizationOut),
    summary="Get an organization",
    operation_id="orgs_organization_detail",
)
def organization_detail(request, org_id: ObjectId):
    return get_object_or_404(_organizations(request), pk=org_id)


@router.post(
    "/organizations/",
    response=_responses(201, OrganizationOut),
    summary="Create an organization",
    description="A USCC whose check digit fails is kept and reported in `uscc_warning`; "
    "a code of the wrong shape is a 422 field error.",
    operation_id="orgs_organization_create",
)
def organization_create(request, payload: OrganizationIn):
    org = actions.create_organization(request.auth, _form_data(payload.dict()))
    return Status(201, _organizations(request).get(pk=org.pk))


@router.patch(
    "/organizations/{int:org_id}/",
    response=_responses(200, OrganizationOut),
    summary="Change an organization",
    description="Only the fields sent are changed.",
    operation_id="orgs_organization_update",
)
def organization_update(request, org_id: ObjectId, payload: OrganizationPatch):
    org = get_object_or_404(_organizations(request), pk=org_id)
    org = actions.update_organization(
        request.auth, org, _form_data(payload.dict(exclude_unset=True))
    )
    return _organizations(request).get(pk=org.pk)


def _form_data(values: dict) -> dict:
    """Schema values as form data: choices as their value, null as empty."""
    data = {}
    for name, value in values.items():
        if value is None:
            data[name] = ""
        elif hasattr(value, "value"):
            data[name] = value.value
        else:
            data[name] = value
    return data


@router.get(
    "/regions/",
    response=_responses(200, RegionPage),
    summary="List regions",
    operation_id="orgs_region_list",
)
def region_list(request, filters: Query[RegionFilters]):
    queryset = apply_filterset(RegionFilterSet, filters, _regions(request), request.auth).order_by(
        "code", "pk"
    )
    return paginate(queryset, filters.limit, filters.offset)


@router.get(
    "/regions/{int:region_id}/",
    response=_responses(200, RegionOut),
    summary="Get a region",
    operation_id="orgs_region_detail",
)
def region_detail(request, region_id: ObjectId):
    return get_object_or_404(_regions(request), pk=region_id)


def _save_region(user, form) -> Region:
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    region = form.save(commit=False)
    region._history_user = user
    region.parent_code = region.parent.code if region.parent_id else ""
    region.save()
    return region


@router.post(
    "/regions/",
    response=_responses(201, RegionOut),
    summary="Create a region",
    operation_id="orgs_region_create",
)
def region_create(request, payload: RegionIn):
    if not has_perm(request.auth, Region, "add"):
        raise PermissionDenied(_("You may not add regions."))
    with transaction.atomic():
        region = _save_region(request.auth, RegionForm(data=_form_data(payload.dict())))
    return Status(201, _regions(request).get(pk=region.pk))


@router.patch(
    "/regions/{int:region_id}/",
    response=_responses(200, RegionOut),
    summary="Change a region",
    description="Only the fields sent are changed.",
    operation_id="orgs_region_update",
)
def region_update(request, region_id: ObjectId, payload: RegionPatch):
    region = get_object_or_404(_regions(request), pk=region_id)
    if not Region.objects.restrict(request.auth, "change").filter(pk=region.pk).exists():
        raise PermissionDenied(_("You may not change this region."))
    values = model_to_dict(region, fields=RegionForm._meta.fields)
    values = {k: ("" if v is None else v) for k, v in values.items()}
    values.update(_form_data(payload.dict(exclude_unset=True)))
    with transaction.atomic():
        region = _save_region(request.auth, RegionForm(data=values, instance=region))
    return _regions(request).get(pk=region.pk)

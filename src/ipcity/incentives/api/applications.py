"""Applications over HTTP: list (the page's filters), detail with items and their checks,
create, change the contact and bank details, add an item, upload a document, submit, withdraw.
Writes go through `incentives.applications`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.core.scope import has_perm
from ipcity.orgs.models import Organization

from .. import applications
from ..filters.applications import ApplicationFilterSet
from ..models import Application, Material, Program, Rule
from ..schemas.applications import (
    ApplicationDetailOut,
    ApplicationFilters,
    ApplicationIn,
    ApplicationPage,
    ApplicationUpdateIn,
    ItemIn,
)

router = Router(tags=["incentives"])


def _applications(user):
    return Application.objects.restrict(user, "view").select_related("program", "applicant")


def _one(user, pk) -> Application:
    return get_object_or_404(
        _applications(user).prefetch_related(
            Prefetch(
                "materials",
                queryset=Material.objects.restrict(user, "view").order_by("pk"),
                to_attr="visible_materials",
            )
        ),
        pk=pk,
    )


@router.get(
    "/applications/",
    response=_responses(200, ApplicationPage),
    summary="List incentive applications",
    description="Filters as on the application list page: q, program, status, applicant, year.",
    operation_id="incentives_application_list",
)
def application_list(request, filters: Query[ApplicationFilters]):
    if not has_perm(request.auth, Application, "view"):
        raise PermissionDenied
    queryset = apply_filterset(
        ApplicationFilterSet, filters, _applications(request.auth), request.auth
    )
    return paginate(queryset.order_by("-pk"), filters.limit, filters.offset)


@router.get(
    "/applications/{int:application_id}/",
    response=_responses(200, ApplicationDetailOut),
    summary="Get an application with its items, their checks and its documents",
    operation_id="incentives_application_detail",
)
def application_detail(request, application_id: ObjectId):
    return _one(request.auth, application_id)


@router.post(
    "/applications/",
    response=_responses(201, ApplicationDetailOut),
    summary="Start an application (a draft)",
    description="An enterprise user applies for its own organization; the office may name "
    "the `applicant`. Only during the programme's call; one live application per programme "
    "and applicant.",
    operation_id="incentives_application_create",
)
def application_create(request, payload: ApplicationIn):
    user = request.auth
    program = Program.objects.restrict(user, "view").filter(pk=payload.program).first()
    if program is None:
        raise ValidationError({"program": [_("No programme with this id.")]})
    values = payload.dict()
    values.pop("program")
    applicant_id = values.pop("applicant") or getattr(user, "organization_id", None)
    applicant = Organization.objects.filter(pk=applicant_id).first() if applicant_id else None
    if applicant is None:
        raise ValidationError({"applicant": [_("Name the applicant.")]})
    application = applications.create(user, program, applicant, **values)
    return Status(201, _one(user, application.pk))


@router.patch(
    "/applications/{int:application_id}/",
    response=_responses(200, ApplicationDetailOut),
    summary="Change the contact and bank details or the statement",
    description="While the application is a draft or returned for correction; fields left out "
    "stay as they are.",
    operation_id="incentives_application_update",
)
def application_update(request, application_id: ObjectId, payload: ApplicationUpdateIn):
    user = request.auth
    values = payload.dict(exclude_unset=True)
    applications.update(user, _one(user, application_id), **values)
    return _one(user, application_id)


@router.post(
    "/applications/{int:application_id}/materials/",
    response=_responses(201, ApplicationDetailOut),
    summary="Upload a supporting document",
    description="multipart/form-data with `title` (which document it is, e.g. one of the "
    "programme's required materials) and `file` (PDF, image, Word or Excel, checked by its "
    "content, at most the configured size).",
    operation_id="incentives_application_add_material",
)
def application_add_material(
    request,
    application_id: ObjectId,
    title: Form[str],
    file: File[UploadedFile],
):
    user = request.auth
    applications.add_material(user, _one(user, application_id), title, file)
    return Status(201, _one(user, application_id))


@router.post(
    "/applications/{int:application_id}/items/",
    response=_responses(201, ApplicationDetailOut),
    summary="Claim an item and check it",
    description="`reference`: the patent application number, trademark registration number, "
    "certificate number, designation certificate number or pledge registration number; "
    "`claimed_base` (yuan) for an interest subsidy. The answer holds every item's checks.",
    operation_id="incentives_application_add_item",
)
def application_add_item(request, application_id: ObjectId, payload: ItemIn):
    user = request.auth
    application = _one(user, application_id)
    rule = Rule.objects.filter(pk=payload.rule, program_id=application.program_id).first()
    if rule is None:
        raise ValidationError({"rule": [_("Choose a rule of this application's programme.")]})
    applications.add_item(user, application, rule, payload.reference, payload.claimed_base)
    return Status(201, _one(user, application_id))


@router.post(
    "/applications/{int:application_id}/submit/",
    response=_responses(200, ApplicationDetailOut),
    summary="Submit the application for review",
    operation_id="incentives_application_submit",
)
def application_submit(request, application_id: ObjectId):
    user = request.auth
    applications.submit(user, _one(user, application_id))
    return _one(user, application_id)


@router.post(
    "/applications/{int:application_id}/withdraw/",
    response=_responses(200, ApplicationDetailOut),
    summary="Withdraw the application (before approval)",
    operation_id="incentives_application_withdraw",
)
def application_withdraw(request, application_id: ObjectId):
    user = request.auth
    applications.withdraw(user, _one(user, application_id))
    return _one(user, application_id)

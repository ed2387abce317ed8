"""Programmes over HTTP: list (the page's filters), detail, create (the office).

Published programmes are read by every holder of the view permission, drafts by the
organizer's users; budget figures are given to staff only (null otherwise)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.core.scope import has_perm, scope_q
from ipcity.orgs.models import Organization

from .. import programs
from ..filters.programs import ProgramFilterSet
from ..models import Program
from ..schemas.programs import ProgramFilters, ProgramIn, ProgramOut, ProgramPage

router = Router(tags=["incentives"])


def _programs(user):
    return (
        Program.objects.restrict(user, "view").select_related("organizer").prefetch_related("rules")
    )


def _mark(user, rows):
    q = scope_q(Program, user, "view")
    district = q is not None and not q
    changeable = (
        set()
        if district
        else set(
            Program.objects.restrict(user, "change")
            .filter(pk__in=[r.pk for r in rows])
            .values_list("pk", flat=True)
        )
    )
    for row in rows:
        row.sees_budget = district or row.pk in changeable
    return rows


@router.get(
    "/programs/",
    response=_responses(200, ProgramPage),
    summary="List incentive programmes",
    description="Filters as on the programme list page: q, year, status.",
    operation_id="incentives_program_list",
)
def program_list(request, filters: Query[ProgramFilters]):
    if not has_perm(request.auth, Program, "view"):
        raise PermissionDenied
    queryset = apply_filterset(ProgramFilterSet, filters, _programs(request.auth), request.auth)
    page = paginate(queryset.order_by("-year", "-call_opens", "pk"), filters.limit, filters.offset)
    _mark(request.auth, page["results"])
    return page


@router.get(
    "/programs/{int:program_id}/",
    response=_responses(200, ProgramOut),
    summary="Get an incentive programme with its rules",
    operation_id="incentives_program_detail",
)
def program_detail(request, program_id: ObjectId):
    program = get_object_or_404(_programs(request.auth), pk=program_id)
    return _mark(request.auth, [program])[0]


@router.post(
    "/programs/",
    response=_responses(201, ProgramOut),
    summary="Create a programme with its rules (a draft)",
    description="Rules: an `amount` per item, or (only for `pledge_interest`) a `rate_percent` "
    "of the claimed base; optional caps, item limit and date window.",
    operation_id="incentives_program_create",
)
def program_create(request, payload: ProgramIn):
    user = request.auth
    if not has_perm(user, Program, "add"):
        raise PermissionDenied(_("You may not create programmes."))
    values = payload.dict()
    rules = values.pop("rules")
    organizer_id = values.pop("organizer") or getattr(user, "organization_id", None)
    organizer = Organization.objects.filter(pk=organizer_id).first() if organizer_id else None
    if organizer is None:
        raise ValidationError({"organizer": [_("Choose the organizer.")]})
    program = programs.create(user, rules=rules, organizer=organizer, **values)
    return Status(201, program_detail(request, program.pk))

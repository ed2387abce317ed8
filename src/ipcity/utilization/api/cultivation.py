"""Enterprise cultivation over HTTP: designations (list, detail, create, change), the pool
(list, detail, add, evaluate, move), support records (list, create), criteria (list) and
enterprise facts (list, create).

Reads go through `restrict(user, "view")`, so a record outside the caller's scope is a 404;
changes go through `utilization.pool`, which answers 403 for what the caller may not change
and 422 (field errors) for what the forms refuse. A creation answers with the object created;
a change re-reads it through the caller's view scope (404 when it left it).
"""

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.orgs.api import _form_data

from .. import pool
from ..filters.cultivation import (
    CultivationCriterionFilterSet,
    DesignationFilterSet,
    EnterpriseFactsFilterSet,
    PoolEntryFilterSet,
    SupportRecordFilterSet,
)
from ..models import (
    CultivationCriterion,
    Designation,
    EnterpriseFacts,
    PoolEntry,
    SupportRecord,
)
from ..schemas.cultivation import (
    CriterionFilters,
    CriterionPage,
    DesignationFilters,
    DesignationIn,
    DesignationOut,
    DesignationPage,
    DesignationPatch,
    EnterpriseFactsFilters,
    EnterpriseFactsIn,
    EnterpriseFactsOut,
    EnterpriseFactsPage,
    PoolEntryFilters,
    PoolEntryIn,
    PoolEntryOut,
    PoolEntryPage,
    PoolMoveIn,
    SupportRecordFilters,
    SupportRecordIn,
    SupportRecordOut,
    SupportRecordPage,
)

router = Router(tags=["utilization"])


def _data(payload, **kwargs) -> dict:
    data = _form_data(payload.dict(**kwargs))
    for name, value in data.items():
        if isinstance(value, float):
            data[name] = repr(value)
    return data


def _designations(request):
    return Designation.objects.restrict(request.auth, "view").select_related("organization")


def _entries(request):
    return PoolEntry.objects.restrict(request.auth, "view").select_related(
        "organization", "designation"
    )


def _support(request):
    return SupportRecord.objects.restrict(request.auth, "view").select_related(
        "organization", "provider"
    )


def _facts(request):
    return EnterpriseFacts.objects.restrict(request.auth, "view").select_related("organization")


# -- designations --------------------------------------------------------------------------------


@router.get(
    "/designations/",
    response=_responses(200, DesignationPage),
    summary="List enterprise designations",
    description="Filters as on the designation list page; `current` keeps those valid today.",
    operation_id="utilization_designation_list",
)
def designation_list(request, filters: Query[DesignationFilters]):
    qs = apply_filterset(DesignationFilterSet, filters, _designations(request), request.auth)
    return paginate(qs.order_by("-year", "organization__name", "pk"), filters.limit, filters.offset)


@router.get(
    "/designations/{int:designation_id}/",
    response=_responses(200, DesignationOut),
    summary="Get an enterprise designation",
    operation_id="utilization_designation_detail",
)
def designation_detail(request, designation_id: ObjectId):
    return get_object_or_404(_designations(request), pk=designation_id)


@router.post(
    "/designations/",
    response=_responses(201, DesignationOut),
    summary="Record an enterprise designation",
    operation_id="utilization_designation_create",
)
def designation_create(request, payload: DesignationIn):
    obj = pool.create(request.auth, Designation, _data(payload))
    return Status(201, obj)


@router.patch(
    "/designations/{int:designation_id}/",
    response=_responses(200, DesignationOut),
    summary="Change an enterprise designation",
    description="Only the fields sent are changed.",
    operation_id="utilization_designation_update",
)
def designation_update(request, designation_id: ObjectId, payload: DesignationPatch):
    obj = get_object_or_404(_designations(request), pk=designation_id)
    obj = pool.update(request.auth, obj, _data(payload, exclude_unset=True))
    return get_object_or_404(_designations(request), pk=obj.pk)


# -- criteria ------------------------------------------------------------------------------------


@router.get(
    "/criteria/",
    response=_responses(200, CriterionPage),
    summary="List cultivation criteria",
    operation_id="utilization_criterion_list",
)
def criterion_list(request, filters: Query[CriterionFilters]):
    qs = apply_filterset(
        CultivationCriterionFilterSet,
        filters,
        CultivationCriterion.objects.restrict(request.auth, "view"),
        request.auth,
    )
    return paginate(
        qs.order_by("target_kind", "order", "code", "pk"), filters.limit, filters.offset
    )


# -- the pool ------------------------------------------------------------------------------------


@router.get(
    "/pool-entries/",
    response=_responses(200, PoolEntryPage),
    summary="List cultivation pool entries",
    description="Each entry carries its last evaluation: every criterion met or missed, with "
    "the value found and the threshold.",
    operation_id="utilization_poolentry_list",
)
def pool_entry_list(request, filters: Query[PoolEntryFilters]):
    qs = apply_filterset(PoolEntryFilterSet, filters, _entries(request), request.auth)
    return paginate(
        qs.order_by("stage", "-criteria_met", "organization__name", "pk"),
        filters.limit,
        filters.offset,
    )


@router.get(
    "/pool-entries/{int:entry_id}/",
    response=_responses(200, PoolEntryOut),
    summary="Get a cultivation pool entry",
    operation_id="utilization_poolentry_detail",
)
def pool_entry_detail(request, entry_id: ObjectId):
    return get_object_or_404(_entries(request), pk=entry_id)


@router.post(
    "/pool-entries/",
    response=_responses(201, PoolEntryOut),
    summary="Add an enterprise to the cultivation pool",
    description="The entry starts as a candidate and is evaluated against its track's criteria. "
    "A track (target_kind and target_level) without active criteria is refused (422).",
    operation_id="utilization_poolentry_create",
)
def pool_entry_create(request, payload: PoolEntryIn):
    entry = pool.create(request.auth, PoolEntry, _data(payload))
    return Status(201, entry)


@router.post(
    "/pool-entries/{int:entry_id}/evaluate/",
    response=_responses(200, PoolEntryOut),
    summary="Evaluate a pool entry against its criteria now",
    operation_id="utilization_poolentry_evaluate",
)
def pool_entry_evaluate(request, entry_id: ObjectId):
    entry = get_object_or_404(_entries(request), pk=entry_id)
    pool.evaluate_entry(request.auth, entry)
    return get_object_or_404(_entries(request), pk=entry.pk)


@router.post(
    "/pool-entries/{int:entry_id}/move/",
    response=_responses(200, PoolEntryOut),
    summary="Move a pool entry to another stage",
    description="One step forward or back (candidate → cultivated → designated), out of the pool "
    "(withdrawn) from any stage, or back in as a candidate. Reaching designated links the "
    "designation given, an existing one for that level and year, or records a new one; it must "
    "be of the entry's kind and level and in force today. Leaving designated unlinks it.",
    operation_id="utilization_poolentry_move",
)
def pool_entry_move(request, entry_id: ObjectId, payload: PoolMoveIn):
    entry = get_object_or_404(_entries(request), pk=entry_id)
    designation = None
    if payload.designation is not None:
        designation = get_object_or_404(_designations(request), pk=payload.designation)
    pool.move_stage(
        request.auth,
        entry,
        payload.stage.value,
        level=payload.level.value if payload.level else "",
        year=payload.year,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        certificate_number=payload.certificate_number,
        source_document=payload.source_document,
        designation=designation,
    )
    return get_object_or_404(_entries(request), pk=entry.pk)


# -- support -------------------------------------------------------------------------------------


@router.get(
    "/support-records/",
    response=_responses(200, SupportRecordPage),
    summary="List support records",
    operation_id="utilization_supportrecord_list",
)
def support_list(request, filters: Query[SupportRecordFilters]):
    qs = apply_filterset(SupportRecordFilterSet, filters, _support(request), request.auth)
    return paginate(qs.order_by("-date", "pk"), filters.limit, filters.offset)


@router.post(
    "/support-records/",
    response=_responses(201, SupportRecordOut),
    summary="Record support given to an enterprise",
    operation_id="utilization_supportrecord_create",
)
def support_create(request, payload: SupportRecordIn):
    obj = pool.create(request.auth, SupportRecord, _data(payload))
    return Status(201, obj)


# -- enterprise facts ----------------------------------------------------------------------------


@router.get(
    "/enterprise-facts/",
    response=_responses(200, EnterpriseFactsPage),
    summary="List enterprise facts",
    operation_id="utilization_enterprisefacts_list",
)
def facts_list(request, filters: Query[EnterpriseFactsFilters]):
    qs = apply_filterset(EnterpriseFactsFilterSet, filters, _facts(request), request.auth)
    return paginate(qs.order_by("organization__name", "-year", "pk"), filters.limit, filters.offset)


@router.post(
    "/enterprise-facts/",
    response=_responses(201, EnterpriseFactsOut),
    summary="Record an enterprise's facts for a year",
    description="An enterprise user records its own enterprise's; the office any enterprise's.",
    operation_id="utilization_enterprisefacts_create",
)
def facts_create(request, payload: EnterpriseFactsIn):
    obj = pool.create(request.auth, EnterpriseFacts, _data(payload))
    return Status(201, obj)

"""The registry over HTTP: patents (list with the UI's filters and search, detail, create,
change) and trademarks, geographical indications, plant variety rights and copyrights (list and
detail).

Reads go through `restrict(user, "view")`, so an object outside the caller's scope is a 404;
changes go through `rights.actions`, which answer 403 for what the caller may not change.
"""

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.orgs.api import _form_data

from . import actions
from .filters import (
    CopyrightFilterSet,
    GeographicalIndicationFilterSet,
    PatentFilterSet,
    PlantVarietyRightFilterSet,
    TrademarkFilterSet,
)
from .models import (
    Copyright,
    GeographicalIndication,
    Patent,
    PlantVarietyRight,
    Trademark,
)
from .models.patents import holders_prefetch
from .schemas import (
    CopyrightFilters,
    CopyrightOut,
    CopyrightPage,
    GeographicalIndicationFilters,
    GeographicalIndicationOut,
    GeographicalIndicationPage,
    PatentFilters,
    PatentIn,
    PatentOut,
    PatentPage,
    PatentPatch,
    PlantVarietyRightFilters,
    PlantVarietyRightOut,
    PlantVarietyRightPage,
    TrademarkFilters,
    TrademarkOut,
    TrademarkPage,
)

router = Router(tags=["rights"])


def _patents(request, action="view"):
    return (
        Patent.objects.restrict(request.auth, action)
        .select_related("region")
        .prefetch_related(holders_prefetch())
    )


@router.get(
    "/patents/",
    response=_responses(200, PatentPage),
    summary="List patents",
    description="Filters as on the patent list page; `q` searches titles, abstracts, holders, "
    "inventors, numbers and IPC codes with Chinese word segmentation.",
    operation_id="rights_patent_list",
)
def patent_list(request, filters: Query[PatentFilters]):
    queryset = apply_filterset(PatentFilterSet, filters, _patents(request), request.auth).order_by(
        "-filing_date", "application_number", "pk"
    )
    return paginate(queryset, filters.limit, filters.offset)


@router.get(
    "/patents/{int:patent_id}/",
    response=_responses(200, PatentOut),
    summary="Get a patent",
    operation_id="rights_patent_detail",
)
def patent_detail(request, patent_id: ObjectId):
    return get_object_or_404(_patents(request), pk=patent_id)


@router.post(
    "/patents/",
    response=_responses(201, PatentOut),
    summary="Create a patent",
    description="A malformed application number is a 422 field error; a wrong check character "
    "is kept and reported with `number_check_ok: false`.",
    operation_id="rights_patent_create",
)
def patent_create(request, payload: PatentIn):
    patent = actions.create_patent(request.auth, _form_data(payload.dict()))
    return Status(201, _patents(request).get(pk=patent.pk))


@router.patch(
    "/patents/{int:patent_id}/",
    response=_responses(200, PatentOut),
    summary="Change a patent",
    description="Only the fields sent are changed; `holders`, when sent, replaces the list.",
    operation_id="rights_patent_update",
)
def patent_update(request, patent_id: ObjectId, payload: PatentPatch):
    patent = get_object_or_404(_patents(request), pk=patent_id)
    patent = actions.update_patent(
        request.auth, patent, _form_data(payload.dict(exclude_unset=True))
    )
    return _patents(request).get(pk=patent.pk)


def _read_only(model, path_name, label, filterset_class, filters_schema, out, page, select, order):
    """Register list and detail endpoints for a registry that the API only reads."""
    plural = path_name.replace("-", "_")

    def queryset(request):
        return model.objects.restrict(request.auth, "view").select_related(*select)

    @router.get(
        f"/{path_name}/",
        response=_responses(200, page),
        summary=f"List {label}s",
        operation_id=f"rights_{plural}_list",
    )
    def list_view(request, filters: Query[filters_schema]):
        qs = apply_filterset(filterset_class, filters, queryset(request), request.auth).order_by(
            *order
        )
        return paginate(qs, filters.limit, filters.offset)

    @router.get(
        f"/{path_name}/{{int:object_id}}/",
        response=_responses(200, out),
        summary=f"Get a {label}",
        operation_id=f"rights_{plural}_detail",
    )
    def detail_view(request, object_id: ObjectId):
        return get_object_or_404(queryset(request), pk=object_id)

    return list_view, detail_view


_read_only(
    Trademark,
    "trademarks",
    "trademark",
    TrademarkFilterSet,
    TrademarkFilters,
    TrademarkOut,
    TrademarkPage,
    ("holder", "region"),
    ("registration_number", "pk"),
)
_read_only(
    GeographicalIndication,
    "geographical-indications",
    "geographical indication",
    GeographicalIndicationFilterSet,
    GeographicalIndicationFilters,
    GeographicalIndicationOut,
    GeographicalIndicationPage,
    ("applicant",),
    ("name", "pk"),
)
_read_only(
    PlantVarietyRight,
    "plant-varieties",
    "plant variety right",
    PlantVarietyRightFilterSet,
    PlantVarietyRightFilters,
    PlantVarietyRightOut,
    PlantVarietyRightPage,
    ("holder",),
    ("right_number", "pk"),
)
_read_only(
    Copyright,
    "copyrights",
    "copyright",
    CopyrightFilterSet,
    CopyrightFilters,
    CopyrightOut,
    CopyrightPage,
    ("holder",),
    ("registration_number", "pk"),
)

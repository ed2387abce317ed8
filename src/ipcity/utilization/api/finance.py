"""IP finance over HTTP: products, valuations, pledges, insurance policies and guarantees (list,
detail, create, change), pledge change registration, release and cancellation, and risk alerts
(list, detail, acknowledge, resolve).

Reads go through `restrict(user, "view")`, so a record outside the caller's scope is a 404 (a
bank sees the pledges it is a party to, an enterprise its own, the office all); writes go through
`utilization.pledges`, which answer 403 for what the caller may not change and 422 (with the
field) for a record outside the caller's books: a bank records the pledges it takes, the policies
it writes, the guarantees it gives or lends against. A guarantee's pledge is given only to a
caller who may see that pledge.
"""

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.orgs.api import _form_data

from .. import pledges
from ..filters.finance import (
    FinancialProductFilterSet,
    GuaranteeFilterSet,
    InsurancePolicyFilterSet,
    PledgeFilterSet,
    RiskAlertFilterSet,
    ValuationFilterSet,
)
from ..models import FinancialProduct, Guarantee, InsurancePolicy, Pledge, Valuation
from ..models.finance import with_pledge_visibility
from ..schemas.finance import (
    GuaranteeFilters,
    GuaranteeIn,
    GuaranteeOut,
    GuaranteePage,
    GuaranteePatch,
    InsuranceFilters,
    InsuranceIn,
    InsuranceOut,
    InsurancePage,
    InsurancePatch,
    NoteIn,
    PledgeChangeIn,
    PledgeFilters,
    PledgeIn,
    PledgeOut,
    PledgePage,
    PledgePatch,
    ProductFilters,
    ProductIn,
    ProductOut,
    ProductPage,
    ProductPatch,
    ReleaseIn,
    ResolveIn,
    RiskAlertFilters,
    RiskAlertOut,
    RiskAlertPage,
    ValuationFilters,
    ValuationIn,
    ValuationOut,
    ValuationPage,
    ValuationPatch,
)
from ..views.finance import (
    ALERT_QUERYSET,
    GUARANTEE_QUERYSET,
    INSURANCE_QUERYSET,
    PLEDGE_QUERYSET,
    PRODUCT_QUERYSET,
    VALUATION_QUERYSET,
)

router = Router(tags=["utilization"])


def _own_defaults(request, data: dict, fields) -> dict:
    """Parties left out default to the caller's own organization (the bank, the insurer)."""
    org_id = getattr(request.auth, "organization_id", None)
    for name in fields:
        if not data.get(name) and org_id:
            data[name] = str(org_id)
    return data


def _resource(
    *,
    path_name,
    name,
    label,
    model,
    queryset,
    filterset_class,
    filters_schema,
    out,
    page,
    in_schema,
    patch_schema,
    own_defaults=(),
    order=("-pk",),
    annotate=None,
):
    """List, detail, create and change endpoints of one finance record type; `annotate(qs,
    user)` adds what the output needs to know about the caller."""

    def restricted(request, action="view"):
        qs = queryset.restrict(request.auth, action)
        return annotate(qs, request.auth) if annotate else qs

    @router.get(
        f"/{path_name}/",
        response=_responses(200, page),
        summary=f"List {label}s",
        description="Filters as on the list page; only records the caller may see.",
        operation_id=f"utilization_{name}_list",
    )
    def list_view(request, filters: Query[filters_schema]):
        qs = apply_filterset(filterset_class, filters, restricted(request), request.auth)
        return paginate(qs.order_by(*order), filters.limit, filters.offset)

    @router.get(
        f"/{path_name}/{{int:object_id}}/",
        response=_responses(200, out),
        summary=f"Get a {label}",
        operation_id=f"utilization_{name}_detail",
    )
    def detail_view(request, object_id: ObjectId):
        return get_object_or_404(restricted(request), pk=object_id)

    @router.post(
        f"/{path_name}/",
        response=_responses(201, out),
        summary=f"Create a {label}",
        description="Parties by credit code, exact name or id; rights by number. The record "
        "must name one of the caller's organizations.",
        operation_id=f"utilization_{name}_create",
    )
    def create_view(request, payload: in_schema):
        data = _own_defaults(request, _form_data(payload.dict()), own_defaults)
        obj = pledges.create(request.auth, model, data)
        return Status(201, restricted(request).get(pk=obj.pk))

    @router.patch(
        f"/{path_name}/{{int:object_id}}/",
        response=_responses(200, out),
        summary=f"Change a {label}",
        description="Only the fields sent are changed; a list of rights, when sent, replaces "
        "the list.",
        operation_id=f"utilization_{name}_update",
    )
    def update_view(request, object_id: ObjectId, payload: patch_schema):
        obj = get_object_or_404(restricted(request), pk=object_id)
        obj = pledges.update(request.auth, obj, _form_data(payload.dict(exclude_unset=True)))
        return restricted(request).get(pk=obj.pk)

    return list_view, detail_view, create_view, update_view


_resource(
    path_name="financial-products",
    name="financialproduct",
    label="financial product",
    model=FinancialProduct,
    queryset=PRODUCT_QUERYSET,
    filterset_class=FinancialProductFilterSet,
    filters_schema=ProductFilters,
    out=ProductOut,
    page=ProductPage,
    in_schema=ProductIn,
    patch_schema=ProductPatch,
    own_defaults=("institution",),
    order=("institution__name", "name", "pk"),
)
_resource(
    path_name="valuations",
    name="valuation",
    label="valuation",
    model=Valuation,
    queryset=VALUATION_QUERYSET,
    filterset_class=ValuationFilterSet,
    filters_schema=ValuationFilters,
    out=ValuationOut,
    page=ValuationPage,
    in_schema=ValuationIn,
    patch_schema=ValuationPatch,
    order=("-date", "pk"),
)
_resource(
    path_name="pledges",
    name="pledge",
    label="pledge",
    model=Pledge,
    queryset=PLEDGE_QUERYSET,
    filterset_class=PledgeFilterSet,
    filters_schema=PledgeFilters,
    out=PledgeOut,
    page=PledgePage,
    in_schema=PledgeIn,
    patch_schema=PledgePatch,
    own_defaults=("pledgee",),
    order=("-registration_date", "pk"),
)
_resource(
    path_name="insurance-policies",
    name="insurancepolicy",
    label="insurance policy",
    model=InsurancePolicy,
    queryset=INSURANCE_QUERYSET,
    filterset_class=InsurancePolicyFilterSet,
    filters_schema=InsuranceFilters,
    out=InsuranceOut,
    page=InsurancePage,
    in_schema=InsuranceIn,
    patch_schema=InsurancePatch,
    own_defaults=("insurer",),
    order=("-start_date", "pk"),
)
_resource(
    path_name="guarantees",
    name="guarantee",
    label="guarantee",
    model=Guarantee,
    queryset=GUARANTEE_QUERYSET,
    filterset_class=GuaranteeFilterSet,
    filters_schema=GuaranteeFilters,
    out=GuaranteeOut,
    page=GuaranteePage,
    in_schema=GuaranteeIn,
    patch_schema=GuaranteePatch,
    own_defaults=("guarantor",),
    order=("-start_date", "pk"),
    annotate=with_pledge_visibility,
)


# --- pledge registration steps -------------------------------------------------------------------


def _pledge(request, pledge_id):
    return get_object_or_404(PLEDGE_QUERYSET.restrict(request.auth, "view"), pk=pledge_id)


def _pledge_out(request, pledge):
    return PLEDGE_QUERYSET.restrict(request.auth, "view").get(pk=pledge.pk)


@router.post(
    "/pledges/{int:pledge_id}/change/",
    response=_responses(200, PledgeOut),
    summary="Register a change of a pledge",
    description="The contents after the change registration (fields not sent keep their "
    "value); the status becomes `changed`.",
    operation_id="utilization_pledge_change",
)
def pledge_change(request, pledge_id: ObjectId, payload: PledgeChangeIn):
    pledge = _pledge(request, pledge_id)
    data = payload.dict(exclude_unset=True)
    note = data.pop("note", "")
    pledge = pledges.change_pledge(request.auth, pledge, _form_data(data), note)
    return _pledge_out(request, pledge)


@router.post(
    "/pledges/{int:pledge_id}/release/",
    response=_responses(200, PledgeOut),
    summary="Release a pledge",
    description="Records the release on `release_date`; open risk alerts of the pledge close.",
    operation_id="utilization_pledge_release",
)
def pledge_release(request, pledge_id: ObjectId, payload: ReleaseIn):
    pledge = _pledge(request, pledge_id)
    pledge = pledges.release_pledge(request.auth, pledge, payload.release_date, payload.note)
    return _pledge_out(request, pledge)


@router.post(
    "/pledges/{int:pledge_id}/cancel/",
    response=_responses(200, PledgeOut),
    summary="Cancel a pledge registration",
    description="The pledge's amount no longer counts for its patents.",
    operation_id="utilization_pledge_cancel",
)
def pledge_cancel(request, pledge_id: ObjectId, payload: NoteIn):
    pledge = _pledge(request, pledge_id)
    pledge = pledges.cancel_pledge(request.auth, pledge, payload.note)
    return _pledge_out(request, pledge)


# --- risk alerts ---------------------------------------------------------------------------------


def _alerts(request):
    return ALERT_QUERYSET.restrict(request.auth, "view")


@router.get(
    "/risk-alerts/",
    response=_responses(200, RiskAlertPage),
    summary="List pledge risk alerts",
    operation_id="utilization_riskalert_list",
)
def riskalert_list(request, filters: Query[RiskAlertFilters]):
    qs = apply_filterset(RiskAlertFilterSet, filters, _alerts(request), request.auth)
    return paginate(qs.order_by("-detected_on", "-pk"), filters.limit, filters.offset)


@router.get(
    "/risk-alerts/{int:alert_id}/",
    response=_responses(200, RiskAlertOut),
    summary="Get a pledge risk alert",
    operation_id="utilization_riskalert_detail",
)
def riskalert_detail(request, alert_id: ObjectId):
    return get_object_or_404(_alerts(request), pk=alert_id)


@router.post(
    "/risk-alerts/{int:alert_id}/acknowledge/",
    response=_responses(200, RiskAlertOut),
    summary="Acknowledge a risk alert",
    operation_id="utilization_riskalert_acknowledge",
)
def riskalert_acknowledge(request, alert_id: ObjectId, payload: NoteIn):
    alert = get_object_or_404(_alerts(request), pk=alert_id)
    pledges.acknowledge_alert(request.auth, alert, payload.note)
    return _alerts(request).get(pk=alert.pk)


@router.post(
    "/risk-alerts/{int:alert_id}/resolve/",
    response=_responses(200, RiskAlertOut),
    summary="Resolve a risk alert",
    operation_id="utilization_riskalert_resolve",
)
def riskalert_resolve(request, alert_id: ObjectId, payload: ResolveIn):
    alert = get_object_or_404(_alerts(request), pk=alert_id)
    pledges.resolve_alert(request.auth, alert, payload.note)
    return _alerts(request).get(pk=alert.pk)

"""Finance pages (task 8): the directory of institutions and their products; valuations,
pledges, insurance policies and guarantees (list, detail with history, create, edit, delete,
import, export); pledge registration changes, release and cancellation; risk alerts.

Every page reads through `restrict(user, action)`: a bank sees the records it is a party to, an
enterprise its own, the office all; active products are open to every reader of the finance
pages. State changes go through `utilization.pledges`, shared with the API and the imports.
"""

from __future__ import annotations

from itertools import groupby

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, ProtectedError, RestrictedError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ipcity.core import jobs, menu
from ipcity.core.scope import has_perm
from ipcity.core.templatetags.ipcity import field_rows
from ipcity.core.views import generic
from ipcity.rights.models import Patent, Trademark

from .. import pledges, risks
from ..choices import ProductKind
from ..exports.finance import (
    GUARANTEE_EXPORT,
    INSURANCE_EXPORT,
    PLEDGE_EXPORT,
    PRODUCT_EXPORT,
    RISK_EXPORT,
    VALUATION_EXPORT,
)
from ..filters.finance import (
    FinancialProductFilterSet,
    GuaranteeFilterSet,
    InsurancePolicyFilterSet,
    PledgeFilterSet,
    RiskAlertFilterSet,
    ValuationFilterSet,
)
from ..forms.finance import (
    FinancialProductForm,
    GuaranteeForm,
    InsurancePolicyForm,
    NoteForm,
    PledgeForm,
    ReleaseForm,
    ResolveForm,
    ValuationForm,
)
from ..imports import finance as finance_imports  # noqa: F401  (registers the import formats)
from ..models import FinancialProduct, Guarantee, InsurancePolicy, Pledge, RiskAlert, Valuation
from ..tables.finance import (
    FinancialProductTable,
    GuaranteeTable,
    InsurancePolicyTable,
    PledgeTable,
    RiskAlertTable,
    ValuationTable,
)

DETAIL_TEMPLATE = "utilization/finance/record_detail.html"

PATENTS = Prefetch(
    "patents",
    queryset=Patent.objects.only(
        "id", "application_number", "title", "legal_status", "pledge_amount", "is_high_value"
    ).order_by("application_number"),
)
TRADEMARKS = Prefetch(
    "trademarks",
    queryset=Trademark.objects.only("id", "registration_number", "mark", "status").order_by(
        "registration_number"
    ),
)

PRODUCT_QUERYSET = FinancialProduct.objects.select_related("institution")
VALUATION_QUERYSET = Valuation.objects.select_related(
    "owner", "appraiser", "commissioned_by"
).prefetch_related(PATENTS, TRADEMARKS)
PLEDGE_QUERYSET = Pledge.objects.select_related(
    "pledgor", "pledgee", "product", "valuation__owner"
).prefetch_related(PATENTS, TRADEMARKS)
INSURANCE_QUERYSET = InsurancePolicy.objects.select_related(
    "insured", "insurer", "product"
).prefetch_related(PATENTS)
GUARANTEE_QUERYSET = Guarantee.objects.select_related("guarantor", "borrower", "lender", "pledge")
ALERT_QUERYSET = RiskAlert.objects.select_related(
    "pledge__pledgor", "pledge__pledgee", "patent", "trademark"
)


def _import_url(key):
    return reverse_lazy("core:import_upload", args=[f"utilization.{key}"])


# --- shared view classes -------------------------------------------------------------------------


class FinanceEditView(generic.ObjectEditView):
    """Create or edit through `utilization.pledges`, so the page and the API share the rules."""

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def save(self, form):
        return pledges.save_form(self.request.user, form)


class FinanceDeleteView(generic.ObjectDeleteView):
    """Delete through `utilization.pledges` (a pledge's patents get their amounts again)."""

    def post(self, request, *args, **kwargs):
        obj = self.get_object("delete")
        name = str(obj)
        try:
            pledges.delete(request.user, obj)
        except (ProtectedError, RestrictedError):
            messages.error(
                request,
                _("“%(name)s” is still referenced by other records and was not deleted.")
                % {"name": name},
            )
            return redirect(obj.get_absolute_url())
        messages.success(
            request,
            _("“%(name)s” deleted. It can be restored from the recycle bin.") % {"name": name},
        )
        return redirect(self.list_url())


class FinanceDetailView(generic.ObjectDetailView):
    template_name = DETAIL_TEMPLATE
    fields: tuple[str, ...] = ()
    show_patents = False
    show_trademarks = False

    def extra_context(self, obj):
        context = {"rows": field_rows(obj, *self.fields)}
        if self.show_patents:
            context["patents"] = list(obj.patents.all())
        if self.show_trademarks:
            context["trademarks"] = list(obj.trademarks.all())
        return context


# --- directory and products ----------------------------------------------------------------------


@login_required
def directory(request):
    """Financial institutions and the IP finance products they offer now."""
    if not has_perm(request.user, FinancialProduct, "view"):
        raise PermissionDenied
    products = (
        FinancialProduct.objects.restrict(request.user, "view")
        .filter(is_active=True)
        .select_related("institution")
        .order_by("institution__name", "kind", "name")
    )
    kind = request.GET.get("kind", "")
    if kind:
        products = products.filter(kind=kind)
    institutions = [
        {"institution": institution, "products": list(items)}
        for institution, items in groupby(products, key=lambda p: p.institution)
    ]
    return render(
        request,
        "utilization/finance/directory.html",
        {
            "institutions": institutions,
            "kinds": ProductKind.choices,
            "kind": kind,
            "can_add": has_perm(request.user, FinancialProduct, "add"),
        },
    )


class ProductListView(generic.ObjectListView):
    queryset = PRODUCT_QUERYSET
    filterset_class = FinancialProductFilterSet
    table_class = FinancialProductTable
    export_spec = PRODUCT_EXPORT


class ProductDetailView(FinanceDetailView):
    queryset = PRODUCT_QUERYSET
    fields = (
        "institution",
        "kind",
        "description",
        "rate",
        "max_amount",
        "term_months",
        "contact",
        "is_active",
    )


class ProductHistoryView(generic.ObjectHistoryView):
    queryset = PRODUCT_QUERYSET


class ProductEditView(FinanceEditView):
    queryset = PRODUCT_QUERYSET
    form_class = FinancialProductForm


class ProductDeleteView(FinanceDeleteView):
    queryset = PRODUCT_QUERYSET


# --- valuations ----------------------------------------------------------------------------------


class ValuationListView(generic.ObjectListView):
    queryset = VALUATION_QUERYSET
    filterset_class = ValuationFilterSet
    table_class = ValuationTable
    export_spec = VALUATION_EXPORT
    import_url = _import_url("valuation")


class ValuationDetailView(FinanceDetailView):
    queryset = VALUATION_QUERYSET
    fields = (
        "owner",
        "method",
        "value",
        "date",
        "appraiser",
        "appraiser_name",
        "commissioned_by",
        "report_number",
        "purpose",
    )
    show_patents = show_trademarks = True


class ValuationHistoryView(generic.ObjectHistoryView):
    queryset = VALUATION_QUERYSET


class ValuationEditView(FinanceEditView):
    queryset = VALUATION_QUERYSET
    form_class = ValuationForm


class ValuationDeleteView(FinanceDeleteView):
    queryset = VALUATION_QUERYSET


# --- pledges -------------------------------------------------------------------------------------


class PledgeListView(generic.ObjectListView):
    queryset = PLEDGE_QUERYSET
    filterset_class = PledgeFilterSet
    table_class = PledgeTable
    export_spec = PLEDGE_EXPORT
    import_url = _import_url("pledge")


class PledgeDetailView(FinanceDetailView):
    queryset = PLEDGE_QUERYSET
    template_name = "utilization/finance/pledge_detail.html"
    fields = (
        "pledgor",
        "pledgee",
        "amount",
        "debt_kind",
        "contract_number",
        "term_start",
        "term_end",
        "registration_number",
        "registration_date",
        "status",
        "release_date",
    )
    # Linked records shown only to those who may see them (a bank's internal product, the
    # valuation a bank commissioned are not every party's to read).
    linked = (("product", FinancialProduct), ("valuation", Valuation))
    show_patents = show_trademarks = True

    def extra_context(self, obj):
        context = super().extra_context(obj)
        user = self.request.user
        for name, model in self.linked:
            target_id = getattr(obj, f"{name}_id")
            if target_id and model.objects.restrict(user, "view").filter(pk=target_id).exists():
                context["rows"] += field_rows(obj, name)
        can_change = Pledge.objects.restrict(user, "change").filter(pk=obj.pk).exists()
        context.update(
            {
                "can_act": can_change and obj.is_active,
                "can_cancel": can_change and obj.status != "cancelled",
                "release_form": ReleaseForm(),
                "note_form": NoteForm(),
                "alerts": list(
                    RiskAlert.objects.restrict(user, "view")
                    .filter(pledge=obj)
                    .select_related("patent", "trademark")
                    .order_by("-detected_on", "-pk")
                ),
                "guarantees": list(
                    Guarantee.objects.restrict(user, "view")
                    .filter(pledge=obj)
                    .select_related("guarantor", "borrower")
                ),
            }
        )
        return context


class PledgeHistoryView(generic.ObjectHistoryView):
    queryset = PLEDGE_QUERYSET


class PledgeEditView(FinanceEditView):
    queryset = PLEDGE_QUERYSET
    form_class = PledgeForm
    template_name = "utilization/finance/pledge_form.html"


class PledgeChangeForm(PledgeForm):
    change_note = forms.CharField(
        label=gettext_lazy("What the change registration changed"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PledgeChangeView(FinanceEditView):
    """Record a registered change (变更登记): the new contents, status “registered with
    changes”."""

    queryset = PLEDGE_QUERYSET
    form_class = PledgeChangeForm
    template_name = "utilization/finance/pledge_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.method in ("GET", "POST"):
            pledge = self.get_object("change")
            if not pledge.is_active:
                messages.warning(
                    request,
                    _("Only a registered pledge can be changed; this one is %(status)s.")
                    % {"status": pledge.get_status_display().lower()},
                )
                return redirect(pledge.get_absolute_url())
        return super().dispatch(request, *args, **kwargs)

    def save(self, form):
        return pledges.change_pledge_form(
            self.request.user, form, form.cleaned_data.get("change_note", "")
        )

    def extra_context(self, obj):
        return {"change_registration": True}


class PledgeDeleteView(FinanceDeleteView):
    queryset = PLEDGE_QUERYSET


def _pledge(request, pk, action="view") -> Pledge:
    pledge = get_object_or_404(Pledge.objects.restrict(request.user, "view"), pk=pk)
    if action != "view" and not (
        Pledge.objects.restrict(request.user, action).filter(pk=pledge.pk).exists()
    ):
        raise PermissionDenied
    return pledge


def _run(request, obj, func, success, *args):
    try:
        func(request.user, obj, *args)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect(obj.get_absolute_url())


@login_required
@require_POST
def pledge_release(request, pk):
    pledge = _pledge(request, pk, "change")
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the release date."))
        return redirect(pledge.get_absolute_url())
    return _run(
        request,
        pledge,
        pledges.release_pledge,
        _("Pledge released."),
        form.cleaned_data["release_date"],
        form.cleaned_data["note"],
    )


@login_required
@require_POST
def pledge_cancel(request, pk):
    pledge = _pledge(request, pk, "change")
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _run(request, pledge, pledges.cancel_pledge, _("Pledge registration cancelled."), note)


# --- insurance and guarantees --------------------------------------------------------------------


class InsuranceListView(generic.ObjectListView):
    queryset = INSURANCE_QUERYSET
    filterset_class = InsurancePolicyFilterSet
    table_class = InsurancePolicyTable
    export_spec = INSURANCE_EXPORT
    import_url = _import_url("insurancepolicy")


class InsuranceDetailView(FinanceDetailView):
    queryset = INSURANCE_QUERYSET
    fields = (
        "policy_number",
        "insured",
        "insurer",
        "kind",
        "product",
        "insured_amount",
        "premium",
        "subsidy",
        "start_date",
        "end_date",
    )
    show_patents = True


class InsuranceHistoryView(generic.ObjectHistoryView):
    queryset = INSURANCE_QUERYSET


class InsuranceEditView(FinanceEditView):
    queryset = INSURANCE_QUERYSET
    form_class = InsurancePolicyForm


class InsuranceDeleteView(FinanceDeleteView):
    queryset = INSURANCE_QUERYSET


class GuaranteeListView(generic.ObjectListView):
    queryset = GUARANTEE_QUERYSET
    filterset_class = GuaranteeFilterSet
    table_class = GuaranteeTable
    export_spec = GUARANTEE_EXPORT
    import_url = _import_url("guarantee")


class GuaranteeDetailView(FinanceDetailView):
    queryset = GUARANTEE_QUERYSET
    fields = (
        "contract_number",
        "guarantor",
        "borrower",
        "lender",
        "amount",
        "fee_rate",
        "start_date",
        "end_date",
    )

    def extra_context(self, obj):
        context = super().extra_context(obj)
        # The pledge is shown only to those who may see it.
        pledge = None
        if obj.pledge_id:
            pledge = Pledge.objects.restrict(self.request.user, "view").filter(pk=obj.pledge_id)
            pledge = pledge.first()
        context["linked_pledge"] = pledge
        return context


class GuaranteeHistoryView(generic.ObjectHistoryView):
    queryset = GUARANTEE_QUERYSET


class GuaranteeEditView(FinanceEditView):
    queryset = GUARANTEE_QUERYSET
    form_class = GuaranteeForm


class GuaranteeDeleteView(FinanceDeleteView):
    queryset = GUARANTEE_QUERYSET


# --- risk alerts ---------------------------------------------------------------------------------


class RiskAlertListView(generic.ObjectListView):
    queryset = ALERT_QUERYSET
    filterset_class = RiskAlertFilterSet
    table_class = RiskAlertTable
    export_spec = RISK_EXPORT
    template_name = "utilization/finance/riskalert_list.html"

    def add_url(self):
        return ""

    def extra_context(self):
        return {"can_scan": has_perm(self.request.user, RiskAlert, "add")}


class RiskAlertDetailView(generic.ObjectDetailView):
    queryset = ALERT_QUERYSET
    template_name = "utilization/finance/riskalert_detail.html"

    def extra_context(self, obj):
        return {
            "rows": field_rows(
                obj, "kind", "status", "detected_on", "event_date", "patent", "trademark", "detail"
            ),
            "note_form": NoteForm(),
            "resolve_form": ResolveForm(),
            "can_resolve": (
                RiskAlert.objects.restrict(self.request.user, "change").filter(pk=obj.pk).exists()
                and pledges.may_resolve(self.request.user, obj)
            ),
        }


class RiskAlertHistoryView(generic.ObjectHistoryView):
    queryset = ALERT_QUERYSET


def _alert(request, pk, action="view") -> RiskAlert:
    alert = get_object_or_404(RiskAlert.objects.restrict(request.user, "view"), pk=pk)
    if action != "view" and not (
        RiskAlert.objects.restrict(request.user, action).filter(pk=alert.pk).exists()
    ):
        raise PermissionDenied
    return alert


@login_required
@require_POST
def riskalert_acknowledge(request, pk):
    alert = _alert(request, pk, "change")
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _run(request, alert, pledges.acknowledge_alert, _("Alert acknowledged."), note)


@login_required
@require_POST
def riskalert_resolve(request, pk):
    alert = _alert(request, pk, "change")
    form = ResolveForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _run(request, alert, pledges.resolve_alert, _("Alert resolved."), note)


@login_required
@require_POST
def riskalert_scan(request):
    """Check every active pledge now, as a background job (the office)."""
    if not has_perm(request.user, RiskAlert, "add"):
        raise PermissionDenied
    job = risks.request_scan(request.user)
    messages.info(request, _("The check runs in the background."))
    return redirect(jobs.job_url(job))


# --- menu and urls -------------------------------------------------------------------------------

for order, label, url_name, perm, icon in (
    (50, gettext_lazy("IP finance directory"), "finance_directory", "financialproduct", "bank"),
    (52, gettext_lazy("Pledges"), "pledge_list", "pledge", "safe"),
    (54, gettext_lazy("Valuations"), "valuation_list", "valuation", "calculator"),
    (56, gettext_lazy("IP insurance"), "insurancepolicy_list", "insurancepolicy", "umbrella"),
    (58, gettext_lazy("Guarantees"), "guarantee_list", "guarantee", "shield-check"),
    (60, gettext_lazy("Pledge risk alerts"), "riskalert_list", "riskalert", "exclamation-triangle"),
    (62, gettext_lazy("IP finance products"), "financialproduct_list", "financialproduct", "box"),
):
    menu.register(
        "utilization",
        label,
        f"utilization:{url_name}",
        f"utilization.view_{perm}",
        order=order,
        icon=icon,
    )


def _crud(prefix, name, list_view, detail, history, edit, delete):
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"),
        path(f"{prefix}/add/", edit.as_view(), name=f"{name}_add"),
        path(f"{prefix}/<int:pk>/", detail.as_view(), name=f"{name}_detail"),
        path(f"{prefix}/<int:pk>/edit/", edit.as_view(), name=f"{name}_edit"),
        path(f"{prefix}/<int:pk>/delete/", delete.as_view(), name=f"{name}_delete"),
        path(f"{prefix}/<int:pk>/history/", history.as_view(), name=f"{name}_history"),
    ]


urlpatterns = [
    path("finance/", directory, name="finance_directory"),
    *_crud(
        "finance/products",
        "financialproduct",
        ProductListView,
        ProductDetailView,
        ProductHistoryView,
        ProductEditView,
        ProductDeleteView,
    ),
    *_crud(
        "finance/valuations",
        "valuation",
        ValuationListView,
        ValuationDetailView,
        ValuationHistoryView,
        ValuationEditView,
        ValuationDeleteView,
    ),
    *_crud(
        "finance/pledges",
        "pledge",
        PledgeListView,
        PledgeDetailView,
        PledgeHistoryView,
        PledgeEditView,
        PledgeDeleteView,
    ),
    path("finance/pledges/<int:pk>/change/", PledgeChangeView.as_view(), name="pledge_change"),
    path("finance/pledges/<int:pk>/release/", pledge_release, name="pledge_release"),
    path("finance/pledges/<int:pk>/cancel/", pledge_cancel, name="pledge_cancel"),
    *_crud(
        "finance/insurance",
        "insurancepolicy",
        InsuranceListView,
        InsuranceDetailView,
        InsuranceHistoryView,
        InsuranceEditView,
        InsuranceDeleteView,
    ),
    *_crud(
        "finance/guarantees",
        "guarantee",
        GuaranteeListView,
        GuaranteeDetailView,
        GuaranteeHistoryView,
        GuaranteeEditView,
        GuaranteeDeleteView,
    ),
    path("finance/risks/", RiskAlertListView.as_view(), name="riskalert_list"),
    path("finance/risks/scan/", riskalert_scan, name="riskalert_scan"),
    path("finance/risks/<int:pk>/", RiskAlertDetailView.as_view(), name="riskalert_detail"),
    path(
        "finance/risks/<int:pk>/history/", RiskAlertHistoryView.as_view(), name="riskalert_history"
    ),
    path(
        "finance/risks/<int:pk>/acknowledge/",
        riskalert_acknowledge,
        name="riskalert_acknowledge",
    ),
    path("finance/risks/<int:pk>/resolve/", riskalert_resolve, name="riskalert_resolve"),
]

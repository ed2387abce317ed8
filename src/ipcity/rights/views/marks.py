"""Trademark and geographical-indication pages, and the GI pipeline (task 3: 挖掘、培育、储备)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ipcity.core import menu
from ipcity.core.scope import has_perm

from .. import actions
from ..choices import GIStage
from ..exports import GI_EXPORT, TRADEMARK_EXPORT
from ..filters import GeographicalIndicationFilterSet, TrademarkFilterSet
from ..forms import GeographicalIndicationForm, TrademarkForm
from ..models import GeographicalIndication, Trademark
from ..tables import GeographicalIndicationTable, TrademarkTable
from .base import RegistryDetailView, RegistryEditView, RegistryHistoryView, RegistryListView

TRADEMARK_QUERYSET = Trademark.objects.select_related("holder", "region")


class TrademarkListView(RegistryListView):
    queryset = TRADEMARK_QUERYSET
    filterset_class = TrademarkFilterSet
    table_class = TrademarkTable
    export_spec = TRADEMARK_EXPORT


class TrademarkDetailView(RegistryDetailView):
    queryset = TRADEMARK_QUERYSET
    template_name = "rights/trademark_detail.html"


class TrademarkHistoryView(RegistryHistoryView):
    queryset = TRADEMARK_QUERYSET


class TrademarkEditView(RegistryEditView):
    queryset = TRADEMARK_QUERYSET
    form_class = TrademarkForm


GI_QUERYSET = GeographicalIndication.objects.select_related("applicant")


class GIMixin:
    url_prefix = "gi"


class GIListView(GIMixin, RegistryListView):
    queryset = GI_QUERYSET
    filterset_class = GeographicalIndicationFilterSet
    table_class = GeographicalIndicationTable
    export_spec = GI_EXPORT
    template_name = "rights/gi_list.html"


class GIDetailView(GIMixin, RegistryDetailView):
    queryset = GI_QUERYSET
    template_name = "rights/gi_detail.html"

    def extra_context(self, gi):
        return {"stages": GIStage.choices}


class GIHistoryView(GIMixin, RegistryHistoryView):
    queryset = GI_QUERYSET


class GIEditView(GIMixin, RegistryEditView):
    queryset = GI_QUERYSET
    form_class = GeographicalIndicationForm


PIPELINE_LIMIT = 200


@login_required
def gi_pipeline(request):
    """One column per stage, each GI a card that can be moved to the next or previous stage."""
    if not has_perm(request.user, GeographicalIndication, "view"):
        raise PermissionDenied
    visible = GI_QUERYSET.restrict(request.user, "view").order_by("name")
    filterset = GeographicalIndicationFilterSet(
        request.GET or None, queryset=visible, request=request
    )
    rows = list(filterset.qs[: PIPELINE_LIMIT * len(GIStage.values)])
    order = list(GIStage.values)
    columns = []
    for index, (value, label) in enumerate(GIStage.choices):
        columns.append(
            {
                "value": value,
                "label": label,
                "items": [gi for gi in rows if gi.stage == value][:PIPELINE_LIMIT],
                "previous": order[index - 1] if index > 0 else "",
                "next": order[index + 1] if index + 1 < len(order) else "",
            }
        )
    labels = dict(GIStage.choices)
    for column in columns:
        column["previous_label"] = labels.get(column["previous"], "")
        column["next_label"] = labels.get(column["next"], "")
    return render(
        request,
        "rights/gi_pipeline.html",
        {
            "columns": columns,
            "can_change": has_perm(request.user, GeographicalIndication, "change"),
            "can_add": has_perm(request.user, GeographicalIndication, "add"),
            "verbose_name_plural": GeographicalIndication._meta.verbose_name_plural,
        },
    )


@login_required
@require_POST
def gi_move(request, pk):
    gi = get_object_or_404(GI_QUERYSET.restrict(request.user, "view"), pk=pk)
    stage = request.POST.get("stage", "")
    try:
        actions.move_gi(request.user, gi, stage)
    except ValidationError:
        messages.error(request, _("Unknown stage."))
    else:
        messages.success(
            request,
            _("“%(name)s” moved to %(stage)s.") % {"name": gi, "stage": gi.get_stage_display()},
        )
    target = request.POST.get("next", "")
    if target == "detail":
        return redirect(gi.get_absolute_url())
    return redirect(reverse("rights:gi_pipeline"))


menu.register(
    "creation",
    gettext_lazy("Trademarks"),
    "rights:trademark_list",
    "rights.view_trademark",
    order=20,
    icon="c-circle",
)
menu.register(
    "creation",
    gettext_lazy("Geographical indications"),
    "rights:gi_pipeline",
    "rights.view_geographicalindication",
    order=30,
    icon="geo",
)

urlpatterns = [
    path("trademarks/", TrademarkListView.as_view(), name="trademark_list"),
    path("trademarks/add/", TrademarkEditView.as_view(), name="trademark_add"),
    path("trademarks/<int:pk>/", TrademarkDetailView.as_view(), name="trademark_detail"),
    path("trademarks/<int:pk>/edit/", TrademarkEditView.as_view(), name="trademark_edit"),
    path("trademarks/<int:pk>/history/", TrademarkHistoryView.as_view(), name="trademark_history"),
    path("gis/", GIListView.as_view(), name="gi_list"),
    path("gis/pipeline/", gi_pipeline, name="gi_pipeline"),
    path("gis/add/", GIEditView.as_view(), name="gi_add"),
    path("gis/<int:pk>/", GIDetailView.as_view(), name="gi_detail"),
    path("gis/<int:pk>/edit/", GIEditView.as_view(), name="gi_edit"),
    path("gis/<int:pk>/history/", GIHistoryView.as_view(), name="gi_history"),
    path("gis/<int:pk>/move/", gi_move, name="gi_move"),
]

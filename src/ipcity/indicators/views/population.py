"""Resident population figures: the denominators of the per-10k indicators, kept by staff."""

from django.urls import path
from django.utils.translation import gettext_lazy

from ipcity.core import menu
from ipcity.core.exports import ExportSpec
from ipcity.core.views import generic

from ..filters import PopulationFilterSet
from ..forms import PopulationForm
from ..models import Population
from ..tables import PopulationTable

menu.register(
    "statistics",
    gettext_lazy("Resident population"),
    "indicators:population_list",
    "indicators.view_population",
    order=90,
    icon="people",
)

QUERYSET = Population.objects.select_related("region")

POPULATION_EXPORT = ExportSpec(
    model=Population,
    path="ipcity.indicators.views.population.POPULATION_EXPORT",
    filterset_class=PopulationFilterSet,
    select_related=("region",),
    fields=["region.code", "region.name", "year", "resident_population", "kind", "source"],
)


class PopulationListView(generic.ObjectListView):
    queryset = QUERYSET
    filterset_class = PopulationFilterSet
    table_class = PopulationTable
    export_spec = POPULATION_EXPORT


class PopulationDetailView(generic.ObjectDetailView):
    queryset = QUERYSET
    template_name = "indicators/population_detail.html"


class PopulationHistoryView(generic.ObjectHistoryView):
    queryset = QUERYSET


class PopulationEditView(generic.ObjectEditView):
    queryset = QUERYSET
    form_class = PopulationForm


class PopulationDeleteView(generic.ObjectDeleteView):
    queryset = QUERYSET


urlpatterns = [
    path("population/", PopulationListView.as_view(), name="population_list"),
    path("population/add/", PopulationEditView.as_view(), name="population_add"),
    path("population/<int:pk>/", PopulationDetailView.as_view(), name="population_detail"),
    path("population/<int:pk>/edit/", PopulationEditView.as_view(), name="population_edit"),
    path("population/<int:pk>/delete/", PopulationDeleteView.as_view(), name="population_delete"),
    path(
        "population/<int:pk>/history/", PopulationHistoryView.as_view(), name="population_history"
    ),
]

"""Indicator pages. Each view module keeps its own `urlpatterns`, gathered here."""

from .views import dashboard, population, records

app_name = "indicators"

urlpatterns = [*dashboard.urlpatterns, *records.urlpatterns, *population.urlpatterns]

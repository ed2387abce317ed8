"""Service pages. Each view module keeps its own `urlpatterns`, gathered here."""

from .views import events, institutions, notices, overview, requests, talent, training

app_name = "services"

urlpatterns = [
    *overview.urlpatterns,
    *requests.urlpatterns,
    *institutions.urlpatterns,
    *events.urlpatterns,
    *training.urlpatterns,
    *talent.urlpatterns,
    *notices.urlpatterns,
]

"""Protection pages. Each view module keeps its own `urlpatterns`, gathered here."""

from .views import agencies, cases, coordination, leads, overview, transfers

app_name = "protection"

urlpatterns = [
    *overview.urlpatterns,
    *leads.urlpatterns,
    *cases.urlpatterns,
    *transfers.urlpatterns,
    *coordination.urlpatterns,
    *agencies.urlpatterns,
]

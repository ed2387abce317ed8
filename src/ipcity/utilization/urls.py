"""Utilization pages. Each view module keeps its own `urlpatterns`, gathered here."""

from .views import certification, cultivation, finance, marketplace, overview, transfers

app_name = "utilization"

urlpatterns = [
    *overview.urlpatterns,
    *cultivation.urlpatterns,
    *certification.urlpatterns,
    *transfers.urlpatterns,
    *marketplace.urlpatterns,
    *finance.urlpatterns,
]

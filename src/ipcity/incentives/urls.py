"""Incentive pages. Each view module keeps its own `urlpatterns`, gathered here."""

from .views import applications, notices, overview, payments, programs, review

app_name = "incentives"

urlpatterns = [
    *overview.urlpatterns,
    *programs.urlpatterns,
    *applications.urlpatterns,
    *review.urlpatterns,
    *notices.urlpatterns,
    *payments.urlpatterns,
]

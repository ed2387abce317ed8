"""Core pages. Each view module keeps its own `urlpatterns`, gathered here under app `core`."""

from django.urls import path

from .views import history, holidays, home, imports, jobs, notifications

app_name = "core"

urlpatterns = [
    path("", home.home, name="home"),
    *history.urlpatterns,
    *jobs.urlpatterns,
    *imports.urlpatterns,
    *notifications.urlpatterns,
    *holidays.urlpatterns,
]

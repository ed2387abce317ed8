"""Core pages. Each view module keeps its own `urlpatterns`, gathered here under app `core`."""

from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import path

from .views import audit, history, holidays, home, imports, jobs, notifications

app_name = "core"


def favicon(request):
    """Browsers ask for /favicon.ico on their own: point them at the static icon."""
    return HttpResponsePermanentRedirect(static("ipcity/favicon.svg"))


urlpatterns = [
    path("", home.home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    *history.urlpatterns,
    *audit.urlpatterns,
    *jobs.urlpatterns,
    *imports.urlpatterns,
    *notifications.urlpatterns,
    *holidays.urlpatterns,
]

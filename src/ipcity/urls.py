from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    path("", include("ipcity.core.urls")),
    path("accounts/", include("ipcity.accounts.urls")),
    path("orgs/", include("ipcity.orgs.urls")),
    path("rights/", include("ipcity.rights.urls")),
    path("indicators/", include("ipcity.indicators.urls")),
    path("plans/", include("ipcity.plans.urls")),
    path("utilization/", include("ipcity.utilization.urls")),
    path("protection/", include("ipcity.protection.urls")),
    path("services/", include("ipcity.services.urls")),
    path("incentives/", include("ipcity.incentives.urls")),
    path("public/protection/", include("ipcity.protection.public_urls")),
    path("public/incentives/", include("ipcity.incentives.public_urls")),
    path("public/", include("ipcity.services.public_urls")),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]

handler400 = "ipcity.core.views.errors.bad_request"
handler403 = "ipcity.core.views.errors.permission_denied"
handler404 = "ipcity.core.views.errors.page_not_found"
handler500 = "ipcity.core.views.errors.server_error"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "ipcity.orgs"
    label = "orgs"
    verbose_name = _("Organizations and regions")

    def ready(self):
        from . import jobs  # noqa: F401  (registers the organization import and export jobs)

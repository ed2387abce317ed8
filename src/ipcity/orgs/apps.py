from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "ipcity.orgs"
    label = "orgs"
    verbose_name = _("Organizations and regions")

    def ready(self):
        from . import dashboard, jobs  # noqa: F401  (menu entries, dashboard card, job kinds)

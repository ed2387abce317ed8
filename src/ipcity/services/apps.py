from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "ipcity.services"
    label = "services"
    verbose_name = _("Services")

    def ready(self):
        from . import registry  # noqa: F401

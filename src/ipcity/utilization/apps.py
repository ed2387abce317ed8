from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UtilizationConfig(AppConfig):
    name = "ipcity.utilization"
    label = "utilization"
    verbose_name = _("Utilization")

    def ready(self):
        # Imported for their side effects: data loaders, signal receivers, job kinds, import
        # formats, menu entries and dashboard cards.
        from . import cards, daily, loaders, receivers  # noqa: F401
        from .views import (  # noqa: F401
            certification,
            cultivation,
            finance,
            marketplace,
            overview,
            transfers,
        )

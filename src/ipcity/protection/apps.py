from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProtectionConfig(AppConfig):
    name = "ipcity.protection"
    label = "protection"
    verbose_name = _("Protection")

    def ready(self):
        # Imported for their side effects: data loaders, job kinds, import formats, daily duties,
        # menu entries and dashboard cards.
        from . import cards, daily, loaders  # noqa: F401
        from .views import (  # noqa: F401
            agencies,
            cases,
            coordination,
            leads,
            overview,
            public,
            transfers,
        )

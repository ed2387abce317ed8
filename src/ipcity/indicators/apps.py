from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "ipcity.indicators"
    label = "indicators"
    verbose_name = _("Indicators")

    def ready(self):
        # Imported for their side effects: data loading on migrate, job kinds, menu, home card.
        from . import cards, jobs, loaders  # noqa: F401
        from .views import dashboard, population, records  # noqa: F401

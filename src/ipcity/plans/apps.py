from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "ipcity.plans"
    label = "plans"
    verbose_name = _("Work plans")

    def ready(self):
        # Imported for their side effects: job kinds, menu entries, dashboard cards.
        from . import daily, jobs  # noqa: F401
        from .views import assessment, budget, conference, plans, reports, tasks  # noqa: F401

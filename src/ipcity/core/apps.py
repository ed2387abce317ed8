from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "ipcity.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import handlers, jobs  # noqa: F401  (registers signal handlers and job kinds)

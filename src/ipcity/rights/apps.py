from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsConfig(AppConfig):
    name = "ipcity.rights"
    label = "rights"
    verbose_name = _("IP rights")

    def ready(self):
        # Imported for their side effects: job kinds, import formats, menu entries, cards.
        from . import jobs, search_index  # noqa: F401
        from .views import highvalue, marks, other, patents, profile, review  # noqa: F401

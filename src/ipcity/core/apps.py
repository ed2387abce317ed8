from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "ipcity.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import table_columns

        table_columns.install()  # before any table is defined from a model's fields
        # Import for their side effects: signal handlers, job kinds, menu entries, daily duties.
        from . import audit, exports, handlers, imports, jobs  # noqa: F401
        from .filters import install_defaults
        from .views import audit as audit_views  # noqa: F401
        from .views import history, holidays  # noqa: F401
        from .views import jobs as job_views  # noqa: F401

        install_defaults()

        from . import form_renderer, generation, migration_batch, table_html

        form_renderer.install()
        generation.install()
        table_html.install()
        migration_batch.install()

        from django.contrib import admin

        from .admin_audit import audit_every_admin

        audit_every_admin(admin.site)

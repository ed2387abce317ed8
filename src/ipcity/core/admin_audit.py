"""Changes made in the Django admin, written to the audit trail as well as to its own log.

The Django admin is a superuser's tool beside the platform's pages. Its own `LogEntry` table can
be edited or emptied by whoever holds the database, so every addition, change and deletion made
there is also appended to the hash-chained audit trail (`core.audit`). Every `ModelAdmin` of the
platform derives from `AuditedAdmin`; a test checks that each registered one does.
"""

from __future__ import annotations

from django.contrib import admin

from . import audit
from .models import AuditAction


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose writes are recorded in the audit trail, in the same transaction."""

    def _audit(self, request, action, obj, message):
        audit.record(
            action,
            request=request,
            obj=obj,
            details={"via": "django-admin", "change": message or []},
        )

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._audit(request, AuditAction.ADMIN_ADDED, obj, message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._audit(request, AuditAction.ADMIN_CHANGED, obj, message)
        return entry

    def log_deletions(self, request, queryset):
        # Called before the deletion, so each object still has its key and its name.
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            self._audit(request, AuditAction.ADMIN_DELETED, obj, [])
        return entries


def audit_every_admin(site) -> None:
    """Make every admin registered on `site` an audited one, those of installed packages too
    (Django's groups, the task results): each is registered again as a subclass of its own
    class and `AuditedAdmin`. Run once every app's admin module is loaded (`CoreConfig.ready`)."""
    for model, model_admin in list(site._registry.items()):
        cls = type(model_admin)
        if isinstance(model_admin, AuditedAdmin):
            continue
        site.unregister(model)
        site.register(model, type(cls.__name__, (AuditedAdmin, cls), {"__module__": __name__}))

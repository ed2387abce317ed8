"""Django admin for jobs, notifications, the holiday table and (read-only) the audit trail."""

from django.contrib import admin

from .admin_audit import AuditedAdmin
from .models import AuditEntry, Holiday, Job, Notification


@admin.register(Job)
class JobAdmin(AuditedAdmin):
    list_display = ["title", "kind", "status", "created_by", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["created_by"]
    search_fields = ["title", "kind"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(AuditedAdmin):
    list_display = ["title", "user", "created_at", "read_at"]
    list_select_related = ["user"]
    search_fields = ["title", "user__username"]
    raw_id_fields = ["user"]


@admin.register(Holiday)
class HolidayAdmin(AuditedAdmin):
    list_display = ["date", "kind", "name", "source"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(AuditEntry)
class AuditEntryAdmin(AuditedAdmin):
    """Read only: entries are written by core.audit.record and never changed or deleted."""

    list_display = ["seq", "at", "actor_username", "action", "object_type", "object_id", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_username", "summary", "object_id"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Django admin for organizations, contacts and regions, with their change history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ipcity.core.admin_audit import AuditedAdmin

from .models import Contact, Organization, Region


@admin.register(Region)
class RegionAdmin(AuditedAdmin, SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "uscc", "region", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["region", "parent"]
    search_fields = ["name", "short_name", "uscc"]
    autocomplete_fields = ["region", "parent"]
    readonly_fields = ["path", "uscc_warning"]
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(AuditedAdmin, SimpleHistoryAdmin):
    list_display = ["name", "organization", "title", "phone", "email", "is_primary"]
    list_select_related = ["organization"]
    search_fields = ["name", "phone", "email", "organization__name"]
    autocomplete_fields = ["organization"]

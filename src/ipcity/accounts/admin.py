"""Django admin for accounts: a superuser's tool; the platform's own pages are for daily work."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ipcity.core.admin_audit import AuditedAdmin

from .models import APIToken, Role, RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["role", "organization"]


@admin.register(User)
class UserAdmin(AuditedAdmin, SimpleHistoryAdmin, DjangoUserAdmin):
    list_display = ["username", "display_name", "organization", "is_active", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    list_select_related = ["organization"]
    search_fields = ["username", "display_name", "email", "phone"]
    autocomplete_fields = ["organization"]
    inlines = [RoleAssignmentInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Profile"), {"fields": ("display_name", "organization", "email", "phone")}),
        (_("Status"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "organization", "password1", "password2")}),)

    def save_model(self, request, obj, form, change):
        if not change and obj.has_usable_password():
            # Chosen by the administrator: the owner picks their own at first sign-in.
            obj.must_change_password = True
        super().save_model(request, obj, form, change)


@admin.register(Role)
class RoleAdmin(AuditedAdmin, SimpleHistoryAdmin):
    list_display = ["code", "name", "name_en", "default_scope", "is_builtin", "is_active"]
    list_filter = ["is_builtin", "is_active", "default_scope"]
    search_fields = ["code", "name", "name_en"]
    filter_horizontal = ["permissions"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin, SimpleHistoryAdmin):
    list_display = ["user", "role", "scope", "organization", "created_at"]
    list_filter = ["role", "scope"]
    list_select_related = ["user", "role", "organization"]
    search_fields = ["user__username", "user__display_name", "role__name"]
    autocomplete_fields = ["user", "role", "organization"]


@admin.register(APIToken)
class APITokenAdmin(AuditedAdmin):
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    # The key exists only as a hash: nothing here could show or change it meaningfully.
    readonly_fields = ["user", "prefix", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False

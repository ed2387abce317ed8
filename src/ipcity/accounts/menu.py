"""The account pages in the 系统 (system) section; notifications live in the bell instead."""

from django.utils.translation import gettext_lazy as _

from ipcity.core.menu import register

register("system", _("Users"), "accounts:user_list", "accounts.view_user", order=10, icon="people")
register("system", _("Roles"), "accounts:role_list", "accounts.view_role", order=20, icon="shield")
register(
    "system",
    _("Login log"),
    "accounts:login_log",
    "accounts.view_loginevent",
    order=30,
    icon="journal-text",
)

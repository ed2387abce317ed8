from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "ipcity.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import daily, menu, sessions  # noqa: F401  (duty, navigation, sign-in receivers)
        from .roles import ensure_builtin_roles

        post_migrate.connect(ensure_builtin_roles, sender=self)

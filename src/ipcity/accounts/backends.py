"""The model backend behind the sign-in lockout, so every sign-in form (ours, Django admin's)
is refused while the username or the client address is locked.

The attempt is counted before the password is checked (`lockout.attempt`), and a wrong
password is logged before the count is given back, so parallel attempts cannot pass the limit.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS

from ipcity.core.compiled import Compiled
from ipcity.orgs.models import Organization

from . import lockout
from .models import LoginEventKind


def _field_names() -> list[str]:
    return [field.attname for field in get_user_model()._meta.concrete_fields]


def _session_user(user_pk):
    from .middleware import standing

    users = get_user_model().objects.filter(pk=user_pk).annotate(**standing())
    return users.values_list(*_field_names(), "organization__name", "totp_role", "totp_enrolled")


# Read on every request (core.compiled).
SESSION_USER = Compiled(_session_user, -7_390_516_285)


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        if request is None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        with lockout.attempt(request, username) as allowed:
            if not allowed:
                # Marks the refusal for the `user_login_failed` receiver and the sign-in form;
                # PermissionDenied stops authenticate() without trying the password.
                request.ipcity_locked = True
                raise PermissionDenied
            user = super().authenticate(request, username=username, password=password, **kwargs)
            if user is None and username is not None and password is not None:
                lockout.record(
                    request, LoginEventKind.FAILURE, username=username, detail="password"
                )
                # The `user_login_failed` receiver must not log it a second time.
                request.ipcity_failure_logged = True
            return user

    def get_user(self, user_id):
        """The session's user, read with SQL written once (core.compiled), together with what
        every request asks of it: its organization's name (the page header) and its
        authenticator standing (accounts.middleware)."""
        if type(user_id) is not int:
            return super().get_user(user_id)
        row = SESSION_USER.first(user_id)
        if row is None:
            return None
        model = get_user_model()
        names = _field_names()
        user = model.from_db(DEFAULT_DB_ALIAS, names, row[: len(names)])
        organization_name, role, enrolled = row[len(names) :]
        if user.organization_id is not None:
            organization = Organization.from_db(
                DEFAULT_DB_ALIAS, ["id", "name"], (user.organization_id, organization_name)
            )
            model._meta.get_field("organization").set_cached_value(user, organization)
        user.ipcity_totp_role, user.ipcity_totp_enrolled = bool(role), bool(enrolled)
        return user if self.user_can_authenticate(user) else None

    @staticmethod
    def _username_field():
        return get_user_model().USERNAME_FIELD

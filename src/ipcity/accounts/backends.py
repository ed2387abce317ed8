"""The model backend behind the sign-in lockout, so every sign-in form (ours, Django admin's)
is refused while the username or the client address is locked."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from . import lockout


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        if request is not None and lockout.is_locked(request, username):
            # Marks the refusal for the `user_login_failed` receiver and the sign-in form;
            # PermissionDenied stops authenticate() without trying the password.
            request.ipcity_locked = True
            raise PermissionDenied
        return super().authenticate(request, username=username, password=password, **kwargs)

    @staticmethod
    def _username_field():
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD

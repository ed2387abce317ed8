"""The model backend behind the sign-in lockout, so every sign-in form (ours, Django admin's)
is refused while the username or the client address is locked.

The attempt is counted before the password is checked (`lockout.attempt`), and a wrong
password is logged before the count is given back, so parallel attempts cannot pass the limit.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from . import lockout
from .models import LoginEventKind


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

    @staticmethod
    def _username_field():
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD

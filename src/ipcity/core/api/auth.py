"""Who is calling: a signed-in browser session (CSRF-checked) or a personal API token.

Either way the caller ends up in `request.auth` and `request.user`, so querysets are restricted
with `request.auth` and history records name the same user the UI would.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from ipcity.accounts.middleware import owes_authenticator
from ipcity.accounts.models import APIToken, hash_token

from .errors import CsrfFailed

# Writing last_used_at on every call would turn each read into a write; a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>` with a personal token; only the key's SHA-256 is stored."""

    def authenticate(self, request: HttpRequest, token: str):
        token = token.strip()
        if not token or len(token) > 200:
            return None
        api_token = (
            APIToken.objects.usable()
            .select_related("user", "user__organization")
            .filter(key_hash=hash_token(token))
            .first()
        )
        if api_token is None or not api_token.user.is_active:
            return None
        # A holder of a role that requires a second factor uses tokens only once enrolled.
        if owes_authenticator(api_token.user):
            return None
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
            APIToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        user = api_token.user
        request.user = user
        request.api_token = api_token
        return user


class SessionAuth(APIKeyCookie):
    """The browser session of a signed-in user; unsafe methods must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        # An anonymous caller is told to authenticate (401), not that their CSRF token is missing.
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise CsrfFailed()
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request: HttpRequest, key):
        return request.user if request.user.is_active else None


def api_auth() -> list:
    """The authentication every endpoint accepts, token first so a client never needs CSRF."""
    return [TokenAuth(), SessionAuth()]

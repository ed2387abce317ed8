"""What a signed-in session must satisfy on every request, in this order:

1. it was not revoked (the user's `session_epoch` moved on since sign-in);
2. it is not idle longer than `IPCITY_SESSION_IDLE_MINUTES` nor older than
   `IPCITY_SESSION_MAX_HOURS` (either ends it with a message and a `timeout` log row);
3. a pending second factor is given first (only the code page and sign-out are reachable);
4. a password set by someone else (`must_change_password`) or expired is changed first;
5. superusers, staff and holders of a role in `IPCITY_TOTP_REQUIRED_ROLES` enrol an
   authenticator first (when `IPCITY_TOTP_ENFORCE`); this is checked on every request, so a
   role assigned meanwhile takes effect at once.

Activity: every request counts except polling (the markup that polls, such as a job's progress,
sends the `X-IPCity-Poll` header with `hx-headers`), so a page left open with a poll running
still times out, while filtering a list with HTMX keeps it alive. API calls with a personal
token carry no session and are not affected; an API call riding on a session gets a JSON
refusal instead of a redirect.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from ipcity.core.compiled import Compiled

from . import sessions
from .models import LoginEventKind, RoleAssignment, TOTPDevice
from .passwords import password_expired

# The second factor must follow the password within this many seconds.
MFA_PENDING_SECONDS = 300
# Sent by markup that polls (`hx-headers`), so its requests do not count as activity.
POLL_HEADER = "HTTP_X_IPCITY_POLL"


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _always_open(request) -> bool:
    """Paths any signed-in session may reach whatever it still owes."""
    path = request.path_info
    return path.startswith(("/static/", "/i18n/")) or path == reverse("accounts:logout")


def is_poll(request) -> bool:
    """A request a page makes on its own (polling), not one its user made."""
    return request.method == "GET" and bool(request.META.get(POLL_HEADER))


def _totp_roles(user):
    return RoleAssignment.objects.filter(
        user=user, role__code__in=settings.IPCITY_TOTP_REQUIRED_ROLES, role__is_active=True
    )


def totp_required(user) -> bool:
    if not settings.IPCITY_TOTP_ENFORCE:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return _totp_roles(user).exists()


def standing() -> dict:
    """Annotations of users: whether each holds a role that requires an authenticator
    (`totp_role`), and has one (`totp_enrolled`)."""
    return {
        "totp_role": Exists(_totp_roles(OuterRef("pk"))),
        "totp_enrolled": Exists(TOTPDevice.objects.filter(user=OuterRef("pk"))),
    }


def _standing(user_pk):
    users = get_user_model().objects.filter(pk=user_pk).annotate(**standing())
    return users.values_list("totp_role", "totp_enrolled")


# Asked on every request: the SQL is written once (core.compiled).
STANDING = Compiled(_standing, -7_390_516_284)


def owes_authenticator(user) -> bool:
    """`totp_required(user) and not has_totp(user)`, asked on every request. The session's
    user comes with the answer (accounts.backends); any other costs one query. A user whose
    row is gone (deleted while signed in) is refused, not let through."""
    if not settings.IPCITY_TOTP_ENFORCE:
        return False
    if user.pk is None:
        return True
    if hasattr(user, "ipcity_totp_enrolled"):  # read with the session's user
        row = (user.ipcity_totp_role, user.ipcity_totp_enrolled)
    else:
        row = STANDING.first(user.pk)
    if row is None:
        return True
    return (user.is_superuser or user.is_staff or bool(row[0])) and not row[1]


class IdentityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return self.get_response(request)
        response = self.check(request, user)
        return response or self.get_response(request)

    # -- the checks -------------------------------------------------------------------------

    def check(self, request, user):
        session = request.session
        now = time.time()
        if session.get(sessions.EPOCH, 0) != user.session_epoch:
            return self.end(
                request,
                LoginEventKind.REVOKED,
                "revoked",
                _("Your session was ended. Please sign in again."),
            )
        auth_at = session.get(sessions.AUTH_AT)
        if auth_at is None:  # signed in before these limits existed
            session[sessions.AUTH_AT] = session[sessions.SEEN_AT] = auth_at = now
        idle = settings.IPCITY_SESSION_IDLE_MINUTES * 60
        if idle > 0 and now - session.get(sessions.SEEN_AT, auth_at) > idle:
            return self.end(
                request,
                LoginEventKind.TIMEOUT,
                "idle",
                _("You were signed out after %(minutes)d minutes without activity.")
                % {"minutes": settings.IPCITY_SESSION_IDLE_MINUTES},
            )
        limit = settings.IPCITY_SESSION_MAX_HOURS * 3600
        if limit > 0 and now - auth_at > limit:
            return self.end(
                request,
                LoginEventKind.TIMEOUT,
                "absolute",
                _("You were signed out: a sign-in lasts at most %(hours)d hours.")
                % {"hours": settings.IPCITY_SESSION_MAX_HOURS},
            )
        if not is_poll(request):
            sessions.touch(request, now)
        if _always_open(request):
            return None

        pending = session.get(sessions.MFA_PENDING)
        if pending is not None:
            if now - pending > MFA_PENDING_SECONDS:
                return self.end(
                    request,
                    LoginEventKind.TIMEOUT,
                    "code",
                    _("The code was not entered in time. Please sign in again."),
                )
            if request.path_info == reverse("accounts:login"):
                return None  # starting over: the login page signs the half session out
            return self.send_to(request, "accounts:login_code", _("Enter your code."))

        if user.must_change_password:
            return self.send_to(
                request,
                "accounts:password_change",
                _("Your password was set by an administrator. Choose your own to go on."),
            )
        if password_expired(user):
            return self.send_to(
                request,
                "accounts:password_change",
                _("Your password has expired. Choose a new one to go on."),
            )

        if owes_authenticator(user):
            return self.send_to(
                request,
                "accounts:totp_setup",
                _("Your role requires a second factor. Set up an authenticator to go on."),
            )
        return None

    # -- answers ----------------------------------------------------------------------------

    def end(self, request, kind, detail, message):
        request.ipcity_logout_kind = kind
        request.ipcity_logout_detail = detail
        logout(request)
        if _is_api(request):
            return None  # the API now sees an anonymous caller and answers 401 itself
        messages.warning(request, message)
        url = reverse(settings.LOGIN_URL)
        if request.method == "GET" and not request.htmx:
            url += "?" + urlencode({"next": request.get_full_path()})
        if request.htmx:
            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)

    def send_to(self, request, url_name, message):
        url = reverse(url_name)
        if request.path_info == url:
            return None
        if _is_api(request):
            return JsonResponse({"code": "forbidden", "message": message, "errors": {}}, status=403)
        if request.htmx:
            return HttpResponseClientRedirect(url)
        if request.method == "GET":
            messages.info(request, message)
        return HttpResponseRedirect(url)

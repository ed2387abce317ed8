"""One's own security: the account page (recent sign-ins, authenticator), the sessions page,
authenticator enrolment and recovery codes; the login log for the audit administrator; ending
all sessions of a user for the system administrator."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ipcity.core.scope import has_perm

from .. import lockout, sessions, totp
from ..forms import CodeForm, ReauthCodeForm, check_password_guarded
from ..middleware import totp_required
from ..models import APIToken, LoginEvent, LoginEventKind, RecoveryCode, TOTPDevice
from ._common import paginate
from .auth import end_locked
from .users import _get_user

RECENT_SIGN_INS = 10
PENDING_SECRET = "ipcity_totp_secret"


@login_required
def account(request):
    user = request.user
    device = TOTPDevice.objects.filter(user=user).first()
    return render(
        request,
        "accounts/account.html",
        {
            "device": device,
            "recovery_left": RecoveryCode.objects.filter(user=user, used_at__isnull=True).count(),
            "totp_required": totp_required(user),
            "events": LoginEvent.objects.filter(user=user).order_by("-at", "-pk")[:RECENT_SIGN_INS],
            "session_count": len(sessions.live_sessions(user)),
        },
    )


@login_required
def session_list(request):
    rows = sessions.live_sessions(request.user)
    return render(
        request,
        "accounts/sessions.html",
        {"sessions": rows, "current_key": request.session.session_key},
    )


@login_required
@require_POST
def session_revoke_others(request):
    ended = sessions.revoke_sessions(request.user, keep_request=request)
    lockout.record(request, LoginEventKind.REVOKED, user=request.user, detail=f"others ({ended})")
    messages.success(request, _("Your other sessions were signed out."))
    return redirect("accounts:sessions")


@login_required
@require_POST
def user_sessions_revoke(request, pk):
    """The system administrator ends every session of a user (a lost laptop, a departure)."""
    user = _get_user(request, pk, "change")
    if user.pk == request.user.pk:
        raise PermissionDenied
    ended = sessions.revoke_sessions(user)
    # Whoever holds the user's session may also hold one of their API tokens.
    tokens = APIToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    lockout.record(
        request, LoginEventKind.REVOKED, user=user, detail=f"by {request.user.get_username()}"
    )
    messages.success(
        request,
        _(
            "Every session of %(user)s was signed out (%(count)d active) and their API tokens "
            "were revoked (%(tokens)d)."
        )
        % {"user": user, "count": ended, "tokens": tokens},
    )
    return redirect("accounts:user_detail", pk=user.pk)


@never_cache
@login_required
def totp_setup(request):
    """Show a new secret (text and QR code); the first valid code confirms it."""
    if TOTPDevice.objects.filter(user=request.user).exists():
        messages.info(request, _("Your authenticator is already set up."))
        return redirect("accounts:account")
    secret = request.session.get(PENDING_SECRET)
    if not secret:
        secret = request.session[PENDING_SECRET] = totp.new_secret()
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        step = totp.matching_step(secret, form.cleaned_data["code"])
        if step is not None:
            with transaction.atomic():
                TOTPDevice.objects.update_or_create(
                    user=request.user,
                    defaults={
                        "secret": secret,
                        "last_step": step,
                        "confirmed_at": timezone.now(),
                    },
                )
                codes = totp.new_recovery_codes(request.user)
            request.session.pop(PENDING_SECRET, None)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "new": True})
        form.add_error("code", _("This code is not valid. Check the time on your phone."))
    uri = totp.provisioning_uri(secret, request.user.get_username())
    return render(
        request,
        "accounts/totp_setup.html",
        {"form": form, "secret": totp.grouped(secret), "qr": totp.qr_svg(uri)},
    )


def _device_or_redirect(request):
    device = TOTPDevice.objects.filter(user=request.user).first()
    if device is None:
        messages.info(request, _("Set up an authenticator first."))
    return device


def _reauthenticated(request, device, form) -> bool | None:
    """The current password and a fresh authenticator code, each counted toward the sign-in
    lock and logged when wrong. None when locked (the session is then ended)."""
    if not form.is_valid():
        return False
    user = request.user
    detail = request.resolver_match.url_name if request.resolver_match else "reauth"
    ok = check_password_guarded(request, user, form.cleaned_data["password"], detail)
    if not ok:
        return ok
    return lockout.guarded_check(
        request, user, lambda: totp.verify_device(device, form.cleaned_data["code"]), detail
    )


INVALID_REAUTH = _("The password or the code is not valid, or the code was already used.")


@never_cache
@login_required
@require_POST
def recovery_codes_renew(request):
    device = _device_or_redirect(request)
    if device is None:
        return redirect("accounts:totp_setup")
    ok = _reauthenticated(request, device, ReauthCodeForm(request.POST))
    if ok is None:
        return end_locked(request, "recovery codes")
    if ok:
        codes = totp.new_recovery_codes(request.user)
        return render(request, "accounts/recovery_codes.html", {"codes": codes, "new": False})
    messages.error(request, INVALID_REAUTH)
    return redirect("accounts:account")


@login_required
@require_POST
def totp_remove(request):
    device = _device_or_redirect(request)
    if device is None:
        return redirect("accounts:account")
    if totp_required(request.user):
        messages.error(request, _("Your role requires a second factor: it cannot be removed."))
        return redirect("accounts:account")
    ok = _reauthenticated(request, device, ReauthCodeForm(request.POST))
    if ok is None:
        return end_locked(request, "authenticator removal")
    if ok:
        with transaction.atomic():
            device.delete()
            RecoveryCode.objects.filter(user=request.user).delete()
        messages.success(request, _("Your authenticator was removed."))
    else:
        messages.error(request, INVALID_REAUTH)
    return redirect("accounts:account")


@login_required
def login_log(request):
    """The login log, for holders of accounts.view_loginevent (the audit administrator)."""
    if not has_perm(request.user, LoginEvent, "view"):
        raise PermissionDenied
    events = LoginEvent.objects.restrict(request.user, "view").select_related("user")
    username = request.GET.get("username", "").strip()
    kind = request.GET.get("kind", "")
    ip = request.GET.get("ip", "").strip()
    if username:
        events = events.filter(username__icontains=username.lower())
    if kind in LoginEventKind.values:
        events = events.filter(kind=kind)
    if ip:
        events = events.filter(ip=lockout.request_ip_text(ip))
    return render(
        request,
        "accounts/login_log.html",
        {
            "page_obj": paginate(request, events.order_by("-at", "-pk")),
            "kinds": LoginEventKind.choices,
            "username": username,
            "kind": kind,
            "ip": ip,
            "retention_days": settings.IPCITY_LOGIN_LOG_DAYS,
        },
    )


urlpatterns = [
    path("me/", account, name="account"),
    path("me/sessions/", session_list, name="sessions"),
    path("me/sessions/others/end/", session_revoke_others, name="sessions_revoke_others"),
    path("me/totp/", totp_setup, name="totp_setup"),
    path("me/totp/remove/", totp_remove, name="totp_remove"),
    path("me/recovery-codes/", recovery_codes_renew, name="recovery_codes_renew"),
    path("login-log/", login_log, name="login_log"),
    path("users/<int:pk>/sessions/end/", user_sessions_revoke, name="user_sessions_revoke"),
]

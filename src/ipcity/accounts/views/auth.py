"""Signing in (password, then the authenticator code when the user has one) and out, and
changing one's own password."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from ipcity.core import audit
from ipcity.core.models import AuditAction

from .. import lockout, sessions, totp
from ..forms import CodeForm, LoginForm, StyledPasswordChangeForm, locked_message
from ..models import LoginEventKind
from ..passwords import password_expired


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if sessions.MFA_PENDING in self.request.session:
            url = reverse("accounts:login_code")
            nxt = self.get_redirect_url()
            return redirect(f"{url}?{urlencode({'next': nxt})}" if nxt else url)
        return response

    def dispatch(self, request, *args, **kwargs):
        # A session still owing its code is not "signed in" yet: it may start over.
        if request.user.is_authenticated and sessions.MFA_PENDING in request.session:
            logout(request)
        return super().dispatch(request, *args, **kwargs)


def _safe_next(request, default="core:home"):
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return reverse(default)


def end_locked(request, detail):
    """The username or address is locked: the session ends (the refusal is already logged)."""
    request.ipcity_logout_kind = LoginEventKind.LOCKOUT
    request.ipcity_logout_detail = detail
    logout(request)
    messages.error(request, locked_message())
    return redirect("accounts:login")


def login_code(request):
    """The second step of signing in: the authenticator code or a recovery code."""
    if not request.user.is_authenticated or sessions.MFA_PENDING not in request.session:
        return redirect("core:home" if request.user.is_authenticated else "accounts:login")
    user = request.user
    form = CodeForm(request.POST or None, recovery=True)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        ok = lockout.guarded_check(
            request, user, lambda: totp.verify_second_factor(user, code), "code"
        )
        if ok is None:
            return end_locked(request, "code")
        if ok:
            old_key = request.session.session_key
            request.session.pop(sessions.MFA_PENDING, None)
            request.session.cycle_key()
            sessions.follow_new_key(old_key, request)
            lockout.record(request, LoginEventKind.SUCCESS, user=user, detail="code")
            return redirect(_safe_next(request))
        form.add_error("code", _("This code is not valid, or was already used."))
    return render(
        request,
        "accounts/login_code.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
    )


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or an image on another site cannot sign anyone out."""


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = StyledPasswordChangeForm
    success_url = reverse_lazy("core:home")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired"] = password_expired(self.request.user)
        context["must_change"] = self.request.user.must_change_password
        return context

    def form_invalid(self, form):
        if form.locked:
            return end_locked(self.request, "password change")
        return super().form_invalid(form)

    def form_valid(self, form):
        old_key = self.request.session.session_key
        form.user.must_change_password = False
        response = super().form_valid(form)  # saves the user, the flag with it
        sessions.follow_new_key(old_key, self.request)
        audit.record(AuditAction.PASSWORD_CHANGED, obj=form.user, request=self.request)
        messages.success(self.request, gettext_now("Your password has been changed."))
        return response


urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("login/code/", login_code, name="login_code"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("password/", PasswordChangeView.as_view(), name="password_change"),
]

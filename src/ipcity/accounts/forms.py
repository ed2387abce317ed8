"""Forms for signing in, passwords, users, roles and role assignments.

Forms check the shape of the input; who may do what (and separation of duties) is checked by
`accounts.actions`, which every view calls to change state.
"""

from __future__ import annotations

from collections import OrderedDict

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ipcity.core.scope import ScopeChoices
from ipcity.orgs.models import Organization

from .models import Role, RoleAssignment, User


class BootstrapMixin:
    """Gives every widget the Bootstrap 5 class it needs, so templates can render fields plainly."""

    def _style_widgets(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


LOCKED_MESSAGE = _(
    "Too many failed sign-ins. Sign-in is paused for %(minutes)d minutes; try again later."
)


def locked_message() -> str:
    return LOCKED_MESSAGE % {"minutes": settings.IPCITY_LOCKOUT_MINUTES}


class LoginForm(BootstrapMixin, AuthenticationForm):
    """Username and password. While the username or the address is locked the same message
    answers whether or not the account exists (accounts/lockout.py)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()
        self.fields["username"].widget.attrs["placeholder"] = _("Username")
        self.fields["password"].widget.attrs["placeholder"] = _("Password")

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "ipcity_locked", False):
                raise forms.ValidationError(locked_message(), code="locked") from None
            raise


class CodeForm(BootstrapMixin, forms.Form):
    """A 6-digit authenticator code (or, at sign-in, a recovery code)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, recovery=False, **kwargs):
        super().__init__(*args, **kwargs)
        if recovery:
            self.fields["code"].help_text = _(
                "The 6-digit code of your authenticator app, or one of your recovery codes."
            )
            self.fields["code"].widget.attrs["inputmode"] = "text"
        self._style_widgets()


def check_password_guarded(request, user, password: str, detail: str) -> bool | None:
    """The current password of a signed-in user, counted and logged like a sign-in
    (accounts/lockout.py). None when the username or the address is locked."""
    from . import lockout

    return lockout.guarded_check(request, user, lambda: user.check_password(password), detail)


class StyledPasswordChangeForm(BootstrapMixin, PasswordChangeForm):
    """Django's form, but a wrong old password counts toward the sign-in lock and is logged."""

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        self.locked = False
        super().__init__(*args, **kwargs)
        self._style_widgets()

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        ok = check_password_guarded(self.request, self.user, old_password, "password change")
        if ok is None:
            self.locked = True
            raise forms.ValidationError(locked_message(), code="locked")
        if not ok:
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class ReauthCodeForm(CodeForm):
    """An authenticator code and the current password, to change the second factor."""

    password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.pop("autofocus", None)


class PasswordResetByAdminForm(BootstrapMixin, SetPasswordForm):
    """The system administrator types a new password for a user (no email round trip)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()


def organization_choices(actor, around: User | None = None):
    """Organizations the actor may pick: those they see, plus the target user's own chain of units.

    The chain (the user's organization and its parents) lets a security administrator, who reads
    no organization records, still anchor an assignment where the user works.
    """
    visible = Organization.objects.restrict(actor, "view")
    if around is None or around.organization_id is None:
        return visible.order_by("name")
    chain = [int(pk) for pk in (around.organization.path or "").strip("/").split("/") if pk]
    chain.append(around.organization_id)
    return Organization.objects.filter(Q(pk__in=visible.values("pk")) | Q(pk__in=chain)).order_by(
        "name"
    )


class UserForm(BootstrapMixin, forms.ModelForm):
    """Profile fields the system administrator edits. Roles are not here: they are another duty."""

    class Meta:
        model = User
        fields = ["organization", "username", "display_name", "email", "phone"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].required = True
        self.fields["organization"].queryset = organization_choices(actor)
        self._style_widgets()


class UserCreateForm(UserForm):
    password1 = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Initial password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            candidate = User(
                username=cleaned.get("username", ""),
                display_name=cleaned.get("display_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


ACTION_LABELS = {
    "view": _("View"),
    "add": _("Add"),
    "change": _("Change"),
    "delete": _("Delete"),
}


def grantable_permissions():
    """Permissions of the platform's own apps: Django's internals are not for roles."""
    labels = [c.label for c in apps.get_app_configs() if c.name.startswith("ipcity.")]
    return (
        Permission.objects.filter(content_type__app_label__in=labels)
        # The history tables are written by the platform itself, never through a role.
        .exclude(content_type__model__startswith="historical")
        .select_related("content_type")
        .order_by("content_type__app_label", "content_type__model", "codename")
    )


class RoleForm(BootstrapMixin, forms.ModelForm):
    permissions = forms.ModelMultipleChoiceField(
        queryset=Permission.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Permissions"),
    )

    class Meta:
        model = Role
        fields = ["code", "name", "name_en", "description", "default_scope", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permissions"].queryset = grantable_permissions()
        if self.instance.pk:
            # The code links a built-in role to roles.json and is what code and tests refer to.
            self.fields["code"].disabled = True
            self.initial["permissions"] = list(
                self.instance.permissions.values_list("pk", flat=True)
            )
        self._style_widgets()

    def permission_groups(self):
        """[(app label, [(model label, [(permission, action label, checked)])])] for the page."""
        if self.is_bound:
            selected = {str(v) for v in self.data.getlist(self.add_prefix("permissions"))}
        else:
            selected = {str(v) for v in self.initial.get("permissions", [])}
        groups: OrderedDict = OrderedDict()
        order = {action: n for n, action in enumerate(ACTION_LABELS)}
        perms = sorted(
            self.fields["permissions"].queryset,
            key=lambda p: (
                p.content_type.app_label,
                p.content_type.model,
                order.get(p.codename.split("_", 1)[0], len(order))
                if p.codename.endswith(f"_{p.content_type.model}")
                else len(order),
                p.codename,
            ),
        )
        for perm in perms:
            ct = perm.content_type
            app_label = apps.get_app_config(ct.app_label).verbose_name
            model = ct.model_class()
            model_label = capfirst(model._meta.verbose_name) if model else ct.model
            action = perm.codename.split("_", 1)[0]
            label = ACTION_LABELS.get(action) if perm.codename == f"{action}_{ct.model}" else None
            groups.setdefault(app_label, OrderedDict()).setdefault(model_label, []).append(
                (perm, label or gettext(perm.name), str(perm.pk) in selected)
            )
        return [(app, list(models.items())) for app, models in groups.items()]


class RoleAssignmentForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["role", "scope", "organization"]

    def __init__(self, *args, actor=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = Role.objects.restrict(actor, "view").filter(is_active=True)
        self.fields["scope"].required = False
        self.fields["scope"].choices = [("", _("The role's default scope")), *ScopeChoices.choices]
        self.fields["organization"].queryset = organization_choices(actor, around=user)
        self._style_widgets()

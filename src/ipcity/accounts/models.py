"""Users, roles as data, role assignments with a data scope, and personal API tokens."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, Permission, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.crypto import EncryptedTextField
from ipcity.core.scope import RestrictedQuerySet, ScopeChoices


class RestrictedUserManager(UserManager.from_queryset(RestrictedQuerySet)):
    pass


class User(AbstractUser):
    """A person who signs in: staff of a member unit, an officer, an enterprise's contact.

    Each user belongs to one organization; what they may see and do comes from role assignments.
    """

    scope_org_field = "organization"

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("organization"),
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    password_changed_at = models.DateTimeField(
        _("password changed at"), null=True, blank=True, editable=False
    )
    # Bumped to end every session of the user at once: a session stamped with an older value is
    # signed out on its next request (accounts/sessions.py).
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    # Set when someone else chose the password (a new account, a reset by the administrator,
    # `ipcity createadmin`): the owner must choose their own before anything else.
    must_change_password = models.BooleanField(
        _("must change password"), default=False, editable=False
    )

    objects = RestrictedUserManager()
    history = HistoricalRecords(
        excluded_fields=[
            "password",
            "last_login",
            "password_changed_at",
            "session_epoch",
            "must_change_password",
        ]
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.username

    def save(self, *args, **kwargs):
        # `_password` holds the raw password between set_password() and save(); a new account
        # arrives with its hash already set (UserManager.create_user uses make_password).
        changed = (self._password is not None or self._state.adding) and bool(
            self.password and self.has_usable_password()
        )
        if changed:
            self.password_changed_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "password_changed_at"}
        super().save(*args, **kwargs)
        if changed:
            from .passwords import remember_password

            remember_password(self)


class Role(models.Model):
    """A named set of permissions, kept as data the security administrator can extend."""

    scope_org_field = None

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    default_scope = models.CharField(
        _("default scope"),
        max_length=16,
        choices=ScopeChoices.choices,
        default=ScopeChoices.OWN,
    )
    permissions = models.ManyToManyField(Permission, blank=True, verbose_name=_("permissions"))
    is_builtin = models.BooleanField(_("built in"), default=False)
    applied_defaults = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="Permission names from roles.json already granted once; an administrator's "
        "removal of one is not undone by the next migrate.",
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = models.Manager.from_queryset(RestrictedQuerySet)()
    history = HistoricalRecords(m2m_fields=[permissions])

    class Meta:
        ordering = ["code"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self):
        return self.name


class RoleAssignment(models.Model):
    """A user holds a role over a scope anchored at an organization (the user's own by default)."""

    scope_org_field = "user__organization"

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("user")
    )
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("role")
    )
    scope = models.CharField(_("scope"), max_length=16, choices=ScopeChoices.choices)
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("anchor organization"),
        help_text=_("Leave empty to use the user's own organization."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = models.Manager.from_queryset(RestrictedQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="unique_user_role"),
        ]

    def __str__(self):
        return f"{self.user} · {self.role} · {self.get_scope_display()}"


TOKEN_PREFIX = "ipc_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class APITokenQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class APIToken(models.Model):
    """A personal token for API clients. Only its SHA-256 hash is stored; the key is shown once."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = APITokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user, name: str, expires_at=None) -> tuple["APIToken", str]:
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=raw[:12],
            key_hash=hash_token(raw),
            expires_at=expires_at,
        )
        return token, raw

    @property
    def is_usable(self) -> bool:
        if self.revoked_at:
            return False
        return not (self.expires_at and self.expires_at <= timezone.now())


class PasswordHistory(models.Model):
    """A password a user had, as its hash: the last few may not be chosen again."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="password_history", verbose_name=_("user")
    )
    password = models.CharField(_("password"), max_length=128)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("former password")
        verbose_name_plural = _("former passwords")

    def __str__(self):
        return f"{self.user} · {self.created_at:%Y-%m-%d}"


class LoginEventKind(models.TextChoices):
    SUCCESS = "success", _("Signed in")
    PENDING = "pending", _("Password accepted, code pending")
    FAILURE = "failure", _("Failed sign-in")
    LOCKOUT = "lockout", _("Refused: locked")
    LOGOUT = "logout", _("Signed out")
    TIMEOUT = "timeout", _("Session timed out")
    REVOKED = "revoked", _("Sessions revoked")


USER_AGENT_MAX = 255


class LoginEvent(models.Model):
    """The login log: every sign-in, failure, refusal, sign-out and session end.

    Failures are also what the lockout counts (accounts/lockout.py), so the count holds across
    processes and servers. `username` is what was typed (lower-cased), kept even when no such
    account exists.
    """

    # Reading the whole log is the audit administrator's duty, like the change history.
    scope_org_field = None

    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="login_events",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, db_index=True)
    kind = models.CharField(_("event"), max_length=16, choices=LoginEventKind.choices)
    detail = models.CharField(_("detail"), max_length=100, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True, db_index=True)
    user_agent = models.CharField(_("user agent"), max_length=USER_AGENT_MAX, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = models.Manager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("login event")
        verbose_name_plural = _("login events")
        indexes = [
            models.Index(fields=["username", "kind", "at"], name="loginevent_user_kind_at"),
            models.Index(fields=["ip", "kind", "at"], name="loginevent_ip_kind_at"),
        ]

    def __str__(self):
        return f"{self.username} · {self.get_kind_display()} · {self.at:%Y-%m-%d %H:%M}"


class UserSession(models.Model):
    """A signed-in session of a user, written at sign-in, so the user can see and end them."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("user")
    )
    session_key = models.CharField(max_length=40, unique=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=USER_AGENT_MAX, blank=True)
    created_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at", "-pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self):
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"


class TOTPDevice(models.Model):
    """A user's authenticator (RFC 6238). `last_step` is the last time step accepted, so each
    code is accepted once."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="totp_device", verbose_name=_("user")
    )
    # Encrypted at rest (core/crypto.py): a database dump or backup does not reveal it.
    secret = EncryptedTextField()
    confirmed_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    last_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")

    def __str__(self):
        return str(self.user)


class RecoveryCode(models.Model):
    """A single-use code that replaces an authenticator code; only its HMAC-SHA256 (keyed by
    SECRET_KEY, with a random salt of its own) is stored."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="recovery_codes", verbose_name=_("user")
    )
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self):
        return f"{self.user} · {self.code_hash[:8]}…"

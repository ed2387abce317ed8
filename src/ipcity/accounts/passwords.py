"""Password policy: character classes, no reuse of recent passwords, expiry.

The length (`PASSWORD_MIN_LENGTH`, at least 10) is Django's MinimumLengthValidator; the rules
here sit next to it in AUTH_PASSWORD_VALIDATORS, so every form that sets a password (own change,
reset by the administrator, a new user, `createadmin`) applies all of them.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def character_classes(password: str) -> int:
    """How many of the four classes (lower case, upper case, digits, other) the password uses."""
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


class CharacterClassValidator:
    """At least `min_classes` of: lower-case letters, upper-case letters, digits, other signs."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return _(
            "Your password must use at least %(count)d of these: lower-case letters, "
            "upper-case letters, digits, other characters."
        ) % {"count": self.min_classes}


def history_size() -> int:
    return max(settings.IPCITY_PASSWORD_HISTORY, 0)


class PasswordHistoryValidator:
    """Not one of the user's last `IPCITY_PASSWORD_HISTORY` passwords (the current included)."""

    def validate(self, password, user=None):
        size = history_size()
        if user is None or user.pk is None or size == 0:
            return
        from .models import PasswordHistory

        hashes = PasswordHistory.objects.filter(user=user).values_list("password", flat=True)
        if any(check_password(password, encoded) for encoded in hashes[:size]):
            raise ValidationError(
                ngettext(
                    "You used this password recently: choose one that is not your last one.",
                    "You used this password recently: choose one that is none of your last "
                    "%(count)d.",
                    size,
                )
                % {"count": size},
                code="password_reused",
            )

    def get_help_text(self):
        size = history_size()
        if not size:
            return ""
        return ngettext(
            "Your password must differ from your last one.",
            "Your password must differ from your last %(count)d.",
            size,
        ) % {"count": size}


def remember_password(user) -> None:
    """Keep the new password's hash and drop those older than the history needs."""
    from .models import PasswordHistory

    PasswordHistory.objects.create(user=user, password=user.password)
    keep = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[
        : max(history_size(), 1)
    ]
    PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep)).delete()


def password_expired(user, now=None) -> bool:
    """True when the user's password is older than IPCITY_PASSWORD_MAX_AGE_DAYS (0 = never)."""
    days = settings.IPCITY_PASSWORD_MAX_AGE_DAYS
    if days <= 0 or user.password_changed_at is None or not user.has_usable_password():
        return False
    return (now or timezone.now()) - user.password_changed_at > timedelta(days=days)

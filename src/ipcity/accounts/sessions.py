"""Signed-in sessions: what each session remembers, the `UserSession` rows and revocation.

Each session carries, besides Django's own keys:

- `ipcity_auth_at`: when the user signed in (the absolute limit counts from here);
- `ipcity_seen_at`: the last request that counts as activity (the idle limit counts from here);
- `ipcity_epoch`: the user's `session_epoch` at sign-in; bumping it ends every session at once;
- `ipcity_mfa_pending`: set while the second factor is still to be given (accounts/middleware.py
  lets such a session reach only the code page and sign-out).
"""

from __future__ import annotations

import time
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.sessions.backends import db
from django.db.models import F
from django.dispatch import receiver
from django.utils import timezone

from . import lockout
from .models import LoginEventKind, TOTPDevice, UserSession

AUTH_AT = "ipcity_auth_at"
SEEN_AT = "ipcity_seen_at"
EPOCH = "ipcity_epoch"
MFA_PENDING = "ipcity_mfa_pending"
# Activity is written to the session (and to UserSession) at most this often.
SEEN_RESOLUTION = 60


def session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def has_totp(user) -> bool:
    return TOTPDevice.objects.filter(user=user).exists()


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    session = request.session
    session[AUTH_AT] = now
    session[SEEN_AT] = now
    session[EPOCH] = user.session_epoch
    if not has_totp(user):
        session.pop(MFA_PENDING, None)
        lockout.record(request, LoginEventKind.SUCCESS, user=user)
    else:
        # The password was right; the sign-in completes with the authenticator code. Not a
        # success yet: the failures before it keep counting toward the lock.
        session[MFA_PENDING] = now
        lockout.record(request, LoginEventKind.PENDING, user=user, detail="code pending")
    if session.session_key is None:
        session.save()
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "ip": lockout.request_ip(request),
            "user_agent": lockout.request_agent(request),
            "created_at": timezone.now(),
            "last_seen_at": timezone.now(),
        },
    )


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if request is None or user is None:
        return
    key = request.session.session_key
    if key:
        UserSession.objects.filter(session_key=key).delete()
    kind = getattr(request, "ipcity_logout_kind", LoginEventKind.LOGOUT)
    detail = getattr(request, "ipcity_logout_detail", "")
    lockout.record(request, kind, user=user, detail=detail)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    if getattr(request, "ipcity_failure_logged", False):
        return  # the backend logged it while the attempt was counted
    locked = getattr(request, "ipcity_locked", False)
    lockout.record(
        request,
        LoginEventKind.LOCKOUT if locked else LoginEventKind.FAILURE,
        username=credentials.get("username", ""),
        detail="" if locked else "password",
    )


def touch(request, now: float) -> None:
    """Note activity on this session, at most once per SEEN_RESOLUTION seconds."""
    session = request.session
    if now - session.get(SEEN_AT, 0) < SEEN_RESOLUTION:
        return
    session[SEEN_AT] = now
    key = session.session_key
    if key:
        UserSession.objects.filter(session_key=key).update(last_seen_at=timezone.now())


def follow_new_key(old_key: str | None, request) -> None:
    """After the session key changed (password change cycles it), keep the row pointing at it."""
    new_key = request.session.session_key
    if old_key and new_key and old_key != new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


def live_sessions(user):
    """The user's sessions that are still alive: in the session store, not expired, and seen
    within the idle limit. Rows whose session is gone are dropped. One query to the store."""
    from django.contrib.sessions.models import Session

    now = timezone.now()
    rows = list(UserSession.objects.filter(user=user))
    keys = [row.session_key for row in rows]
    if issubclass(session_store(), db.SessionStore):
        alive = set(
            Session.objects.filter(session_key__in=keys, expire_date__gt=now).values_list(
                "session_key", flat=True
            )
        )
    else:  # another store: ask it per session
        store = session_store()
        alive = {key for key in keys if store().exists(key)}
    stale = [row.pk for row in rows if row.session_key not in alive]
    if stale:
        UserSession.objects.filter(pk__in=stale).delete()
    idle = settings.IPCITY_SESSION_IDLE_MINUTES
    # `last_seen_at` is written at most every SEEN_RESOLUTION seconds.
    seen_since = now - timedelta(minutes=idle, seconds=SEEN_RESOLUTION) if idle > 0 else None
    return [
        row
        for row in rows
        if row.session_key in alive and (seen_since is None or row.last_seen_at >= seen_since)
    ]


def revoke_sessions(user, keep_request=None) -> int:
    """End every session of `user` except the one of `keep_request`; returns how many ended.

    The sessions are deleted from the store, and the user's `session_epoch` is bumped so that a
    session the table does not know (signed in before it existed) ends on its next request too.
    """
    keep = keep_request.session.session_key if keep_request is not None else None
    store = session_store()
    rows = UserSession.objects.filter(user=user).exclude(session_key=keep or "")
    count = 0
    for key in rows.values_list("session_key", flat=True):
        if store().exists(key):
            count += 1
        store(session_key=key).delete()
    rows.delete()
    User = get_user_model()
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    epoch = User.objects.values_list("session_epoch", flat=True).get(pk=user.pk)
    if keep_request is not None and keep_request.user.pk == user.pk:
        keep_request.session[EPOCH] = epoch
    return count
